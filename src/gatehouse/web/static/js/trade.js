// The Trade page: order ticket, live orders, positions and trades.

import * as live from "./live-orders.js";
import * as ticket from "./ticket.js";

ticket.start({ onPlaced: live.refresh });
live.start();
