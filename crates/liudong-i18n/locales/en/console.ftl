# The web console, the work list (overdue lists) and console accounts.

## The work list (liudong overdue, export overdue, the console)

worklist-col-kind = due item
worklist-col-village = village
worklist-col-due = due on
worklist-col-name = name
worklist-col-sex = sex
worklist-col-age = age
worklist-col-subject = citizen ID
worklist-col-phone = phone
worklist-col-address = address
worklist-col-employer = employer
worklist-col-certificate = certificate number
worklist-col-origin = registered at
worklist-col-detail = detail
worklist-kind-missing-checks = check reports missing
worklist-kind-certificate = certificate expired or expiring
worklist-kind-no-certificate = inflow without certificate
worklist-kind-unacknowledged = notice not acknowledged
worklist-kind-held = held
worklist-detail-missing-checks = no check report for { $quarters } consecutive quarters ({ $from } to { $to })
worklist-detail-certificate-expired = certificate { $number } expired on { $date }
worklist-detail-certificate-expiring = certificate { $number } expires on { $date } (in { $days } days)
worklist-detail-no-certificate = registered on inflow { $date } without a certificate, to be obtained ({ $days } days ago)
worklist-detail-unacknowledged = inflow notice { $record } registered { $date }, not acknowledged after { $days } days
worklist-held-detail = record { $record } ({ $kind }) held: { $reason }
worklist-held-inflow = the inflow registration it acknowledges has not reached this node
worklist-held-target = the record it corrects has not reached this node
worklist-held-episode = no open migrant episode of this person has reached this node (outflow or inflow registration)
worklist-summary = node { $node } ({ $unit }) on { $today }: { $items } overdue, { $held } held (N = { $quarters } quarters, D = { $cert_days } days, A = { $ack_days } days)

## Record kinds and words

record-kind-person-registered = person registered
record-kind-marriage-registered = marriage registered
record-kind-outflow-registered = outflow registered
record-kind-certificate-issued = certificate issued
record-kind-inflow-registered = inflow registered
record-kind-inflow-acknowledged = inflow acknowledged
record-kind-check-reported = check reported
record-kind-birth-registered = birth registered
record-kind-residence-changed = residence changed
record-kind-returned = returned
record-kind-correction = correction
word-male = male
word-female = female
word-marital-unknown = unknown
word-single = single
word-married = married
word-divorced = divorced
word-widowed = widowed
