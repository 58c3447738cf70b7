/** The floor's one activity: records when it ran (the floor sweep ends when the last one has). */
export const floorRuns: number[] = [];

export const floorActivities = {
  noop(): Promise<void> {
    floorRuns.push(Date.now());
    return Promise.resolve();
  },
};
