# The report of `liudong demo` (crates/liudong-testkit/src/demo.rs).

demo-head = Liudong demo: { $nodes } nodes on 127.0.0.1, stores under { $dir }
demo-nats = { "  " }exchange: a three-server NATS JetStream cluster ({ $urls }), in place of the exchange node { $exchange }
demo-tls = { "  " }every link: mutual TLS 1.3 (CAs and node certificates in { $dir }/pki)
demo-dials-only = (dials only)
demo-kind-village = village
demo-kind-township = township
demo-kind-county = county
demo-kind-exchange = exchange
demo-report-head = Records of one synthetic migrant (subject { $subject }), and where each arrived (ms after it was written):
demo-col-record = record
demo-col-kind = kind
demo-written = written
demo-ms = { $ms } ms
demo-all-delivered = — = not entitled, and not received. Every record reached exactly the nodes entitled to it.
demo-view = Person view at the residence village { $village }: status { $status }, residence { $residence }, certificate { $certificate } valid until { $until }
