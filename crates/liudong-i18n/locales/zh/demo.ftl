# liudong demo 的报告（crates/liudong-testkit/src/demo.rs）。
# The report of `liudong demo`.

demo-head = 流动演示：{ $nodes } 个节点运行在 127.0.0.1 上，数据目录在 { $dir }
demo-nats = { "  " }交换：三台服务器的 NATS JetStream 集群（{ $urls }），代替交换节点 { $exchange }
demo-tls = { "  " }每条链路：双向 TLS 1.3（CA 和节点证书在 { $dir }/pki）
demo-dials-only = （只拨出）
demo-kind-village = 村（居）
demo-kind-township = 乡镇（街道）
demo-kind-county = 县区
demo-kind-exchange = 交换
demo-report-head = 一名模拟流动人员（{ $subject }）的记录，以及每条记录到达各节点的时间（写入后的毫秒数）：
demo-col-record = 记录
demo-col-kind = 类别
demo-written = 写入
demo-ms = { $ms } 毫秒
demo-all-delivered = — 表示无权接收，也未收到。每条记录都恰好到达了有权接收它的节点。
demo-view = 现居住地村 { $village } 所见此人：状态 { $status }，现居住地 { $residence }，婚育证明 { $certificate } 有效期至 { $until }
