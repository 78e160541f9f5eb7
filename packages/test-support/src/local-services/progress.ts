/** Where the local-services code reports what it is doing (the scripts print it; tests may collect or drop it). */
export type Progress = (message: string) => void;

export const silentProgress: Progress = () => undefined;
