/**
 * The main side's single entry for calls, shared by Electron IPC (app/ipc-bridge.ts) and browser
 * mode (server/): look the call up, validate the request with its schema, run the handler,
 * validate the response, and answer with an Envelope — never a thrown error.
 */
import { CALLS, isCallName } from './contract.ts';
import type { CallName, CallResponse, Envelope, ParsedRequest } from './contract.ts';
import { toApiError } from './errors.ts';

export type Handler<K extends CallName> = (request: ParsedRequest<K>) => Promise<CallResponse<K>>;
export type Handlers = { readonly [K in CallName]: Handler<K> };
export type Dispatch = (name: string, request: unknown) => Promise<Envelope<unknown>>;

export function createDispatcher(handlers: Handlers): Dispatch {
  return async (name, request) => {
    if (!isCallName(name)) {
      return { ok: false, error: { code: 'UNKNOWN_CALL', message: `There is no call named "${name}".` } };
    }
    const spec = CALLS[name];
    const parsed = spec.request.safeParse(request ?? {});
    if (!parsed.success) {
      const e = toApiError(parsed.error);
      return { ok: false, error: { ...e, message: `${name}: the request is invalid — ${e.message}` } };
    }
    try {
      const handler = handlers[name] as (request: unknown) => Promise<unknown>;
      const result = await handler(parsed.data);
      const checked = spec.response.safeParse(result);
      if (!checked.success) {
        return { ok: false, error: { code: 'INTERNAL', message: `${name} produced a response that breaks the contract: ${toApiError(checked.error).message}` } };
      }
      return { ok: true, result: checked.data };
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
  };
}
