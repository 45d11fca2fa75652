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
 * `deferred`: a pass found no room only because results were not recorded yet; the recorder's next
 * successful flush asks again. The mark outlives claims started meanwhile (a wake-up during a
 * database outage starts one that fails): only that flush clears it, or the engine would stop
 * claiming after the outage (the reliability suite's database-fault scenario).
 */
export type Lifecycle = 'idle' | 'starting' | 'running' | 'stopping';
export type ClaimPhase = 'none' | 'claiming' | 'claiming-again' | 'deferred';
type RunPhase = Exclude<ClaimPhase, 'deferred'>;

const LIFECYCLE: Readonly<Record<Lifecycle, readonly Lifecycle[]>> = {
  idle: ['starting'],
  starting: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['idle'],
};

export function createEngineState() {
  let lifecycle: Lifecycle = 'idle';
  let claim: RunPhase = 'none';
  /** Set by defer(), cleared only by resumeAfterFlush(). */
  let isDeferred = false;

  return {
    get lifecycle(): Lifecycle {
      return lifecycle;
    },
    get claim(): ClaimPhase {
      return claim === 'none' && isDeferred ? 'deferred' : claim;
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

    /** After a flush recorded results: true (once) when a deferred claim must be requested now. */
    resumeAfterFlush(): boolean {
      if (!isDeferred || lifecycle !== 'running') return false;
      isDeferred = false;
      return true;
    },

    /**
     * The claim loop ended. Returns true when a request arrived after its last check, so the
     * caller must start it again.
     */
    finish(): boolean {
      if (claim === 'claiming-again' && lifecycle === 'running') {
        // 'none', so that the caller's requestClaim() starts the loop (from 'claiming' it would
        // only mark another pass of a loop that no longer runs, and claiming would stop for good).
        claim = 'none';
        return true;
      }
      claim = 'none';
      return false;
    },
  };
}

export type EngineState = ReturnType<typeof createEngineState>;
