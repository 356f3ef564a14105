// The Settings page: sessions, second factors, mobile timeout, recent activity.

import * as activity from "./settings/activity.js";
import * as factors from "./settings/factors.js";
import * as gateways from "./settings/gateways.js";
import * as idle from "./settings/idle.js";
import * as key from "./settings/key.js";
import * as password from "./settings/password.js";
import * as questions from "./settings/questions.js";
import * as sessions from "./settings/sessions.js";

sessions.start();
factors.start();
idle.start();
gateways.start();
activity.start();
key.start();
password.start();
questions.start();
