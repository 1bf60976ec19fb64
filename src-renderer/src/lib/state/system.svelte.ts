/**
 * What the studio knows about this machine: app and runtime versions, execution providers and
 * model folders. House style: private $state fields behind getters, $state.raw for data that is
 * replaced rather than mutated, $derived for everything computed from it.
 */
import { ApiClientError } from '../api/client.ts';
import type { EngineRegistry, ModelReport, ReverieApi, SystemInfo } from '../api/types.ts';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export function errorText(err: unknown): string {
  if (err instanceof ApiClientError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export class SystemState {
  #info = $state.raw<SystemInfo | null>(null);
  #infoStatus = $state<LoadStatus>('idle');
  #infoError = $state<string | null>(null);
  #models = $state.raw<readonly ModelReport[]>([]);
  #modelRoots = $state.raw<readonly string[]>([]);
  #modelsStatus = $state<LoadStatus>('idle');
  #modelsError = $state<string | null>(null);
  #registry = $state.raw<EngineRegistry>({ samplers: [], schedules: [] });
  #registryError = $state<string | null>(null);

  readonly workingProviders = $derived(this.#info?.providers.filter((p) => p.works) ?? []);
  readonly validModels = $derived(this.#models.filter((m) => m.valid));

  constructor(private readonly api: ReverieApi) {}

  get info(): SystemInfo | null {
    return this.#info;
  }
  get infoStatus(): LoadStatus {
    return this.#infoStatus;
  }
  get infoError(): string | null {
    return this.#infoError;
  }
  get models(): readonly ModelReport[] {
    return this.#models;
  }
  get modelRoots(): readonly string[] {
    return this.#modelRoots;
  }
  get modelsStatus(): LoadStatus {
    return this.#modelsStatus;
  }
  get modelsError(): string | null {
    return this.#modelsError;
  }
  /** the engine's sampler and schedule tables (labels, descriptions), for the comboboxes */
  get registry(): EngineRegistry {
    return this.#registry;
  }
  get registryError(): string | null {
    return this.#registryError;
  }

  /**
   * A sampler's label as A1111 names it ("DPM++ 2M") from its id, alias or label as a request holds
   * it (the engine's registry table gives all three); the text itself when the registry lacks it.
   */
  samplerLabel(sampler: string | undefined): string {
    if (sampler === undefined) return 'default sampler';
    const s = this.#registry.samplers.find((r) => r.id === sampler || r.label === sampler || r.aliases.includes(sampler));
    return s?.label ?? sampler;
  }

  /** A schedule's label ("Karras") from its id; the id itself when unknown. */
  scheduleLabel(schedule: string | undefined): string {
    if (schedule === undefined) return 'default schedule';
    return this.#registry.schedules.find((r) => r.id === schedule)?.label ?? schedule;
  }

  /** A model by id, valid or not. */
  model(id: string | null): ModelReport | undefined {
    return id === null ? undefined : this.#models.find((m) => m.id === id);
  }

  /** Loads system info, the model list and the sampler registry side by side. */
  async load(): Promise<void> {
    await Promise.all([this.loadInfo(), this.loadModels(), this.loadRegistry()]);
  }

  async loadRegistry(): Promise<void> {
    try {
      this.#registry = await this.api.engine.samplers();
      this.#registryError = null;
    } catch (err) {
      this.#registryError = errorText(err);
    }
  }

  async loadInfo(): Promise<void> {
    this.#infoStatus = 'loading';
    try {
      this.#info = await this.api.system.info();
      this.#infoError = null;
      this.#infoStatus = 'ready';
    } catch (err) {
      this.#infoError = errorText(err);
      this.#infoStatus = 'error';
    }
  }

  async loadModels(): Promise<void> {
    this.#modelsStatus = 'loading';
    try {
      const list = await this.api.models.list({ refresh: true });
      this.#models = list.models;
      this.#modelRoots = list.roots;
      this.#modelsError = null;
      this.#modelsStatus = 'ready';
    } catch (err) {
      this.#modelsError = errorText(err);
      this.#modelsStatus = 'error';
    }
  }
}
