/** Types of start.mjs for the TypeScript tests that call it. */
export declare function electronExecutable(root?: string): string | null;
