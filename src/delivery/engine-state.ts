/**
 * The delivery engine's state, as one explicit machine instead of flags spread through a closure:
 * where the engine is in its life, and where its claiming is.
 *
 *   lifecycle:  idle → starting → running → stopping → idle   (starting → stopping: stop() during start)
 *
 *   claiming (only while running):
 *     none ──request──▶ claiming ──request──▶ claiming-again
 *       ▲                 │  │                   │
 *       └────finish───────┘  └─defer─▶ (finish) ─▶ deferred ──request──▶ claiming
 *                                  claiming-again ──finish──▶ claiming (one more pass)
 *
 * `claiming-again`: a claim was asked for while one ran, so the loop makes another pass.
 * `deferred`: the last pass found no room only because results were not recorded yet; the
 * recorder's next flush asks again (a wake-up would too).
 */
export type Lifecycle = 'idle' | 'starting' | 'running' | 'stopping';
export type ClaimPhase = 'none' | 'claiming' | 'claiming-again' | 'deferred';

const LIFECYCLE: Readonly<Record<Lifecycle, readonly Lifecycle[]>> = {
  idle: ['starting'],
  starting: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['idle'],
};

export function createEngineState() {
  let lifecycle: Lifecycle = 'idle';
  let claim: ClaimPhase = 'none';
  /** Set by defer() during a pass; decides where finish() lands. */
  let isDeferred = false;

  return {
    get lifecycle(): Lifecycle {
      return lifecycle;
    },
    get claim(): ClaimPhase {
      return claim;
    },
    get isRunning(): boolean {
      return lifecycle === 'running';
    },
    /** A method rather than a comparison with `lifecycle`, which TypeScript would narrow across awaits. */
    is(expected: Lifecycle): boolean {
      return lifecycle === expected;
    },

    /** Moves the lifecycle on; a move the diagram does not allow is a bug, and throws. */
    moveTo(next: Lifecycle): void {
      if (!LIFECYCLE[lifecycle].includes(next)) {
        throw new Error(`delivery engine: no transition from ${lifecycle} to ${next}`);
      }
      lifecycle = next;
      if (next !== 'running') isDeferred = false;
    },

    /**
     * A claim is wanted. Returns true when the caller must start the claim loop now; false when
     * one is running (it makes another pass) or the engine is not running.
     */
    requestClaim(): boolean {
      if (lifecycle !== 'running') return false;
      if (claim === 'claiming' || claim === 'claiming-again') {
        claim = 'claiming-again';
        return false;
      }
      claim = 'claiming';
      isDeferred = false;
      return true;
    },

    /** At the top of each pass of the claim loop: a pending "again" is being served now. */
    beginPass(): void {
      if (claim === 'claiming-again') claim = 'claiming';
    },

    /** The pass found more may be due (a full batch): make another pass. */
    passAgain(): void {
      if (claim === 'claiming') claim = 'claiming-again';
    },

    /** Whether the loop should make another pass. */
    get wantsAnotherPass(): boolean {
      return claim === 'claiming-again' && lifecycle === 'running';
    },

    /** The pass found no room because results are unrecorded; the next flush resumes claiming. */
    defer(): void {
      isDeferred = true;
    },

    /**
     * The claim loop ended. Returns true when a request arrived after its last check, so the
     * caller must start it again.
     */
    finish(): boolean {
      if (claim === 'claiming-again' && lifecycle === 'running') {
        claim = 'claiming';
        return true;
      }
      claim = isDeferred && lifecycle === 'running' ? 'deferred' : 'none';
      isDeferred = false;
      return false;
    },
  };
}

export type EngineState = ReturnType<typeof createEngineState>;
