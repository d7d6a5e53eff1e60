# The sealed exchange tier (docs/exchange.md): sealing keys.

# `liudong key rotate` on a node that is not a county of the sealed exchange tier.
exchange-rotate-not-county = node { $node } has no sealing keys: only a county whose upstream is an exchange, with [exchange] sealed = true, seals records. Check the config { $config }.
# `liudong key rotate` done.
exchange-rotated = county { $county }: new sealing key { $key } is current; { $retired } older key(s) kept to open records sealed to them. A running node announces the new key within seconds; other counties seal to it once the announcement reaches them.
