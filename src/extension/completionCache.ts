/**
 * LRU cache of inline completions keyed by the text around the cursor, with typed-through reuse: when the
 * user types the start of a cached completion, the rest is served from the cache and the model is never
 * called (the walk-back of llama.vscode, bounded by `maxTypedChars`).
 */
import { LRUCache } from 'lru-cache';

/** A cached completion and its alternatives (for VS Code's cycling). */
export interface CachedCompletion {
	readonly text: string;
	readonly alternatives: readonly string[];
	/** True when the alternatives include the model's own (an explicit request asked for them). */
	readonly sampled?: true;
}

/** Sizes of the cache key and of the walk-back. */
export interface CompletionCacheOptions {
	readonly maxEntries: number;
	/** Characters of the prefix tail that form the key (must be below the prefix window). */
	readonly prefixKeyChars: number;
	/** Characters of the suffix head that form the key. */
	readonly suffixKeyChars: number;
	/** How many typed characters the walk-back looks through. */
	readonly maxTypedChars: number;
}

const defaults: CompletionCacheOptions = { maxEntries: 256, prefixKeyChars: 1000, suffixKeyChars: 400, maxTypedChars: 128 };

/** The cache; `lookup` also answers for states reached by typing a cached completion. */
export class CompletionCache {
	private readonly _options: CompletionCacheOptions;
	private readonly _lru: LRUCache<string, CachedCompletion>;

	constructor(options: Partial<CompletionCacheOptions> = {}) {
		this._options = { ...defaults, ...options };
		this._lru = new LRUCache({ max: this._options.maxEntries });
	}

	/** Stores the completion shown for the state (prefix, suffix) of a document. */
	store(scope: string, prefix: string, suffix: string, value: CachedCompletion): void {
		this._lru.set(this._key(scope, prefix, suffix), value);
	}

	/** Exact hit, or the remainder of a completion whose start the user has typed since it was cached. */
	lookup(scope: string, prefix: string, suffix: string): CachedCompletion | undefined {
		const exact = this._lru.get(this._key(scope, prefix, suffix));
		if (exact) {
			return exact;
		}
		const walk = Math.min(this._options.maxTypedChars, prefix.length);
		for (let typed = 1; typed <= walk; typed++) {
			const hit = this._typedThrough(scope, prefix, suffix, typed);
			if (hit) {
				return hit;
			}
		}
		return undefined;
	}

	/** Number of entries (for tests and the log). */
	get size(): number {
		return this._lru.size;
	}

	clear(): void {
		this._lru.clear();
	}

	private _typedThrough(scope: string, prefix: string, suffix: string, typed: number): CachedCompletion | undefined {
		const entry = this._lru.peek(this._key(scope, prefix.slice(0, prefix.length - typed), suffix));
		if (!entry) {
			return undefined;
		}
		const typedText = prefix.slice(prefix.length - typed);
		const rest = [entry.text, ...entry.alternatives]
			.filter((t) => t.length > typed && t.startsWith(typedText))
			.map((t) => t.slice(typed));
		return rest.length > 0 ? { text: rest[0], alternatives: rest.slice(1) } : undefined;
	}

	private _key(scope: string, prefix: string, suffix: string): string {
		const head = suffix.slice(0, this._options.suffixKeyChars);
		return `${scope}\u0000${prefix.slice(-this._options.prefixKeyChars)}\u0000${head}`;
	}
}
