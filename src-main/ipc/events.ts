/**
 * Main → renderer events. Every payload is validated against the contract before it is sent;
 * subscribers are the Electron bridge (one per window) and browser mode's WebSocket clients.
 */
import { EVENTS } from './contract.ts';
import type { EventName, EventPayload } from './contract.ts';

export type EventSink = (name: EventName, payload: unknown) => void;

export class EventBus {
  private readonly sinks = new Set<EventSink>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const checked = EVENTS[name].safeParse(payload);
    if (!checked.success) {
      // a bug on our side: say so loudly instead of sending the renderer something it cannot trust
      console.error(`[reverie] event "${name}" breaks the contract and was not sent: ${checked.error.message}`);
      return;
    }
    for (const sink of this.sinks) {
      try {
        sink(name, checked.data);
      } catch (err) {
        console.error(`[reverie] an event subscriber failed on "${name}":`, err);
      }
    }
  }

  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  get size(): number {
    return this.sinks.size;
  }
}
