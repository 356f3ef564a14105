// Settings → Password (the form is shared with the temporary-password step).

import { start as startForm } from "../password-change.js";

export function start() {
  startForm();
}
