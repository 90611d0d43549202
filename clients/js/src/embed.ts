// The panel bundle's entry (dist/sideline-panel.js): the client and the
// `<sideline-room>` element, defined on load.
import { defineSidelineRoom } from "./panel.js";

export * from "./index.js";
export { defineSidelineRoom, SidelineRoom } from "./panel.js";

defineSidelineRoom();
