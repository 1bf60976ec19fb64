/** Types of build.mjs for the TypeScript tests that call it. */
export declare const ROOT: string;
export declare const DIST: string;
export declare const MAIN_ENTRIES: Readonly<Record<string, string>>;
export declare const MAIN_EXTERNALS: readonly string[];
export declare function buildRenderer(): Promise<void>;
export declare function buildMain(): Promise<void>;
export declare function buildAll(opts?: { force?: boolean; quiet?: boolean }): Promise<void>;
