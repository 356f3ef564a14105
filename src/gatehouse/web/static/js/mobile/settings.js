// Mobile settings: inactivity timeout, passkeys, sessions.

import * as factors from "../settings/factors.js";
import * as idle from "../settings/idle.js";
import * as sessions from "../settings/sessions.js";

idle.start();
factors.start();
sessions.start();
