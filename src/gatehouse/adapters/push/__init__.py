"""Push delivery to Key devices: their own sockets to this node, and an operator's push relay."""
