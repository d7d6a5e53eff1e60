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

## Console accounts (liudong operator)

console-operator-bad-unit = { $code } is not a code of the division table; a unit is this node's code or the code of a township (9 digits) or village (12 digits) under it
console-operator-unit-outside = unit { $code } is not within this node's jurisdiction ({ $node }); an account belongs to this node or a township or village under it
console-operator-unknown = no console operator named { $name }; `liudong operator list` shows them
console-operator-migrated = note: account { $name } had no unit; it now belongs to this node, { $node } (its whole jurisdiction), as it did so far
console-operator-added = added console operator { $name }: unit { $unit }, { $role ->
        [admin] administrator
       *[other] operator
    } ({ $path }; takes effect at once, no restart needed)
console-operator-changed = changed the password of console operator { $name }: unit { $unit }, { $role ->
        [admin] administrator
       *[other] operator
    } ({ $path }; takes effect at once, no restart needed)
console-operator-none = no console operators in { $path }; add one with `liudong operator add`
console-operator-line = { $name }  unit { $unit }  { $role ->
        [admin] administrator
       *[other] operator
    }  added { $added }
console-operator-removed = removed console operator { $name }; their sessions end at their next request
word-status-unknown = unknown
word-status-at-home = at home
word-status-out = out-migrated
word-status-at-residence = registered at the residence
word-check-normal = normal
word-check-follow-up = follow-up needed
word-ack-confirmed = confirmed
word-ack-mismatch = mismatch

## The console: frame and common words

console-brand = Migrant services
console-footer = This page may show personal data; every view is recorded in the audit trail.
console-nav-overview = Overview
console-nav-overdue = Overdue
console-nav-write = Register
console-nav-report = Monthly report
console-nav-nodes = Lower nodes
console-nav-accounts = Accounts
console-logout = Log out
console-none = none
console-show = Show
console-save = Save
console-cancel = Cancel
console-back-to-overview = Back to the overview
console-citizen-id = Citizen ID
console-month = Month
console-residence = Residence
console-status = Status
console-marital = Marital status
console-certificate = Certificate
console-presented = Certificate number presented
console-records = Records
console-voided = voided
console-name-not-held = (name not held here)
console-quarter = { $year } quarter { $q }

## Login and sessions

console-login = Log in
console-login-name = Name
console-login-password = Password
console-login-wrong = Wrong name or password.
console-login-expired = The login form expired; please enter your name and password again.
console-login-locked = Too many failed logins; try again in { $minutes } minutes, or ask an administrator to unlock the account.
console-session-expired = Your session expired; please log in again.
console-form-expired = The form expired; please go back and try again.
console-operators-unreadable = The operators file cannot be read; ask the administrator (see the node's log).

## Error pages

console-error-title = Something went wrong
console-error-no-page = No such page.
console-error-method = Unsupported request.
console-error-store = Reading this node's data failed; try again, and if it keeps failing ask the administrator (see the node's log).
console-error-bad = The request is not valid; please use the links and buttons on the pages.
console-error-not-held = Your unit holds no such record.

## Overview

console-card-records = Records
console-card-migrants-out = Migrants out
console-card-migrants-in = Migrants in
console-card-links = Links with sync data
console-card-link-problems = Sync problems
console-overview-note = Migrant counts are as of the end of { $month }; scope: { $unit }.
console-find-person = Find a person

## A person

console-person-title = Person
console-person-not-held = Your unit ({ $unit }) holds no records about this person. Check the citizen ID; register a newly arrived migrant with "Inflow registration".
console-id-length = A citizen ID has 18 characters; this one has { $len }.
console-id-characters = The first 17 characters of a citizen ID are digits, the last a digit or X.
console-id-birth-date = The birth date { $date } in the citizen ID is not a real date.
console-id-check-digit = The check digit of the citizen ID is wrong (it should be { $expected }); check for a typing mistake.
console-saved = Saved: record { $records }.
console-sex-born = Sex, born
console-sex-born-value = { $sex }, { $born } (age { $age })
console-certificate-valid = { $number }, valid { $from } to { $until } (valid today)
console-certificate-invalid = { $number }, valid { $from } to { $until } (NOT valid today)
console-certificate-none = none known
console-episodes = Migration episodes
console-inflows = Inflow registrations
console-births = Births
console-history = Record history
console-episode-open = open
console-no-certificate = none presented (to be obtained)
console-not-acknowledged = not acknowledged
console-col-left = Left
console-col-arrived = Arrived
console-col-residences = Residences
console-col-returned = Returned
console-col-record = Record
console-col-arrival = Arrival
console-col-ack = Acknowledgement
console-col-quarter = Quarter
console-col-check-date = Check date
console-col-result = Result
console-col-birth-date = Birth date
console-col-order = Birth order
console-col-kind = Kind
console-col-event-date = Event date
console-col-written = Written
console-col-operator = Operator
console-col-corrects = Corrects
console-correct = Correct
console-void = Void

## Work lists

console-overdue-all = All
console-overdue-summary = As of { $today }, { $unit } (N = { $quarters } quarters, D = { $cert_days } days, A = { $ack_days } days): items
console-overdue-download = Download all (CSV)
console-overdue-bad-kind = There is no list "{ $kind }".
console-page-prev = Previous
console-page-next = Next
console-page-of = page { $page } of { $pages } (items { $first }–{ $last })

## Forms

console-write-for-person = Register for this person:
console-write-new-inflow = New inflow registration
console-write-menu-note = Other records (acknowledgement, check report, birth, residence change, return, correction, void) are registered from the person's page: find the person first.
console-write-find-first = Find the person first, then fill in "{ $form }".
console-form-ack = Inflow acknowledgement
console-form-correct = Correct a record
console-form-void = Void a record
console-form-fix-fields = Please correct the fields marked below, then save.
console-form-no-residence = This person has no residence; register their inflow first.
console-form-no-episode = This person has no open migrant episode (an outflow or inflow registration must come first).
console-form-outside-unit = Neither the origin nor the residence is within your unit ({ $unit }); you cannot register this.
console-form-outside-node = Neither the origin nor the residence is within this node's jurisdiction; this node cannot write the record.
console-form-clock = This node's clock is wrong; registration is not possible now. Ask the administrator.
console-form-refused = The record did not pass the checks; please check what you entered.
console-hint-presented = Leave empty if no certificate was presented: the person is then listed under "inflow without certificate".
console-inflow-option = arrived { $date } at { $place } (record { $record }{ $acked ->
        [yes] , acknowledged
       *[other] {""}
    })
console-target-option = { $record } { $kind } { $date }
console-correct-fields = Corrected { $kind }
console-pick-choose = Choose
console-pick-update = Update choices
console-pick-record = Use this record
console-field-arrival-date = Arrival date
console-field-presented = Certificate number presented
console-field-inflow = Inflow registration acknowledged
console-field-outcome = Outcome
console-field-valid-until = Certificate valid until
console-field-note = Note
console-field-birth-place = Place of birth
console-field-service-number = Birth-service registration number
console-field-change-date = Date of the change
console-field-new-residence = New residence
console-field-new-address = New address
console-field-return-date = Date of return
console-field-target = Record
console-field-reason = Reason
console-field-required = Required.
console-field-too-long = At most { $max } characters.
console-field-control = Contains invisible control characters; please type it again.
console-field-future = The date cannot be later than today.
console-field-bad-date = "{ $typed }" is not a date; write year-month-day, e.g. 2026-03-01.
console-field-before-quarter = The check date cannot be before the first day of the quarter reported.
console-field-order = The birth order is a whole number, 1 or more.
console-field-choose = Please choose from the list.
console-field-choose-village = Please choose down to the village.
console-field-unknown-place = Not a place of the division table; please choose from the list.
console-field-id-mismatch = Does not match the sex or birth date in the citizen ID.
console-field-not-held = The record chosen has not reached this node.
console-field-other-person = The record chosen is about another person.
console-field-not-inflow = The record chosen is not an inflow registration.

## Monthly report

console-report-ack-days = feedback within { $days } days
console-report-total = { $unit } total
console-report-arrival = Inflow notices of the month arrived here { $days } days after registration on average ({ $notices } notices)
console-report-bad-month = The month "{ $month }" is not valid; write year-month, e.g. 2026-03.
console-report-bad-code = There is no unit "{ $code }", or it is not within your unit ({ $unit }).
console-chart-title = Outflows and inflows by month
console-chart-outflows = Outflows
console-chart-inflows = Inflows
console-col-unit = Unit

## Lower nodes

console-nodes-exchange = exchange { $code }
console-nodes-upstream = Upstream link
console-nodes-units = Sync state of the units
console-nodes-note = States come from this node's status report, a village's as its township reported it (with the report's age); "no data" means the unit runs no node or has no sync records yet, "no node of its own" that it is declared to have none (it is never counted as silent). A lower node not in contact for twice its expected sync interval is "silent".
console-nodes-villages = { $unit }: { $total } villages, { $data } with sync data, { $problems } with problems
console-col-state = State
console-col-last-contact = Last contact
console-col-last-success = Last success
console-col-last-failure = Last failure
console-col-pending-out = Pending out
console-col-pending-in = Pending in
console-col-sessions = Sessions
console-col-last-error = Last problem
console-state-connected = connected
console-state-normal = normal
console-state-failing = failing
console-state-refused = refused
console-state-silent = silent
console-state-never = never in contact
console-state-no-data = no data
console-state-no-node = no node of its own
console-nodes-reported = reported by the township, { $minutes } min ago
console-nodes-reported-now = reported by the township just now
console-link-error-unreachable = cannot connect (network down or the peer is not running)
console-link-error-denied = refused by the peer (identity or permission)
console-link-error-revoked = certificate revoked; a new one must be issued
console-link-error-timeout = timed out
console-link-error-refused-data = data refused by the peer (see the node's log)
console-link-error-config = configuration or version mismatch
console-link-error-limit = over the peer's limits
console-link-error-other = sync failed (see liudong status)

## Accounts

console-accounts-admin-only = Only administrators manage accounts.
console-accounts-note = Accounts are added and removed with liudong operator add/remove on the node's server; here accounts locked after failed logins can be unlocked.
console-accounts-name = Name
console-accounts-role = Role
console-accounts-added = Added
console-accounts-locked = locked (about { $minutes } minutes left)
console-accounts-unlock = Unlock
console-accounts-unlocked = Unlocked account { $name }.
console-accounts-bad-unit = unit { $code } is not within this node (the account cannot log in)
console-accounts-other-locked = Other names locked out
console-role-admin = administrator
console-role-operator = operator

## Errors of the console and its operators file

console-error-bad-name = operator name "{ $name }": expected 1 to 64 letters, digits, '.', '_' or '-' (no spaces)
console-error-short-password = the password must have at least { $min } characters
console-error-random = the system random number generator failed
console-error-hash = hashing the password failed: { $error }
console-error-damaged = operators file { $path } is damaged; restore it or remove it and add the operators again
console-error-tls = [console]: the node's [tls] certificate cannot serve HTTPS
console-error-needs-tls = [console] listen = { $listen }: the console needs the node's [tls] certificate (HTTPS); without [tls] (insecure = true) it may only listen on loopback
