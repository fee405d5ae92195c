/** The baseline's one activity: trivial work, no database (bench/baseline-workflow.ts). */
export function createBaselineActivities() {
  return {
    async step(input: { kind: string; n: number }): Promise<{ ok: true; n: number }> {
      return { ok: true, n: input.n };
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
