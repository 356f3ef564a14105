// Mobile price alerts.

import * as alerts from "../alerts.js";

alerts.start();
