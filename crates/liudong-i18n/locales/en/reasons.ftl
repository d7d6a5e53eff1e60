# Why a record is refused (liudong-core's Reason): record add, import rejects, sync refusals, the console.
# The workflow texts keep the wording stores have always kept for held records.

reason-empty = must not be empty
reason-too-long = longer than { $max } characters
reason-control = contains control characters
reason-not-positive = must be 1 or more
reason-author-level = { $code } is a { $level } code; records are written by village, township or county nodes
reason-not-village = { $code } is a { $level } code; expected a 12-digit village code
reason-author-not-above = author { $code } is neither above the origin nor the residence of the record
reason-unknown-code = { $code } is not in the division table (NBS, data date { $date }); use a real statistical division code
reason-birth-in-future = the birth date { $date } in the citizen ID is in the future
reason-future = { $date } is in the future
reason-birth-date-mismatch = { $given } does not match the birth date { $in_id } in the citizen ID
reason-sex-mismatch = the sex does not match the citizen ID (its sequence digit says { $sex })
reason-not-after-start = { $until } must be after valid_from { $from }
reason-needs-residence = a { $kind } record must name the residence
reason-before-quarter = { $date } is before quarter { $quarter }
reason-correction-of-correction = a correction cannot amend with another correction
reason-not-held = record { $id } is not held here
reason-inflow-not-held = inflow record { $id } is not held here
reason-other-person = record { $id } is about another person
reason-not-inflow = record { $id } is a { $kind } record, not an inflow registration
reason-self-correction = a correction cannot correct itself
reason-amended-kind = replacement is a { $amended } body but record { $target } is a { $target_kind } record
reason-no-open-episode = no open migrant episode (an outflow or inflow not yet closed by a return) is held for this person
reason-recorded = breaks a workflow rule
reason-level-national = national
reason-level-province = province
reason-level-prefecture = prefecture
reason-level-county = county
reason-level-township = township
reason-level-village = village
