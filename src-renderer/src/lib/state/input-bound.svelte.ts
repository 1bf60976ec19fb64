/**
 * A message about the inputs it was raised for ("Choose an input image", "tiny-copy cannot be
 * loaded: unet/model.onnx is missing"): it shows while those inputs are unchanged and hides once
 * any of them changes, so the studio never shows an error that no longer applies. The inputs are
 * one string (a tab's `inputsKey`); a new run sets or clears the message.
 */
export class InputBoundError {
  #message = $state<string | null>(null);
  #inputs = $state<string | null>(null);

  constructor(private readonly inputs: () => string) {}

  /** the message, while the inputs are those it was raised for */
  get message(): string | null {
    return this.#message !== null && this.#inputs === this.inputs() ? this.#message : null;
  }

  set(message: string | null): void {
    this.#message = message;
    this.#inputs = message === null ? null : this.inputs();
  }
}
