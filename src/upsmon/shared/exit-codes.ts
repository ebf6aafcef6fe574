// How upsmon's children end, as the supervisor reads it: the contract between the processes,
// here so the supervisor loads neither child's code to know it (issue 12 item 4).

/** The dispatcher's exit code when the network child sent a bad frame (the supervisor restarts both). */
export const EXIT_CHILD_FAULT = 3;
/** The child asks to be restarted (a MONITOR host could not be resolved; a reload added one). */
export const EXIT_RESOLVE_RETRY = 75;
