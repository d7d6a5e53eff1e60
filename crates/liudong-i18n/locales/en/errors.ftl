# Errors of the libraries (liudong-core dates, citizen IDs, division codes,
# addresses; liudong's audit command): what is wrong and what to do.

## Dates and quarters (liudong-core date.rs)

error-date-format = “{ $text }” is not a date: write YYYY-MM-DD, e.g. 2026-03-05
error-date-not-real = “{ $text }” is not a real calendar date: check the month and the day
error-quarter-format = “{ $text }” is not a quarter: write YYYYQn with n from 1 to 4, e.g. 2026Q1

## Citizen IDs (liudong-core citizen.rs)

error-citizen-length = citizen ID “{ $id }” has { $len } characters; it has 18: check it against the ID card
error-citizen-characters = citizen ID “{ $id }”: the first 17 characters must be digits and the last a digit or X
error-citizen-birth-date = citizen ID “{ $id }”: its birth date { $date } is not a real date; check it against the ID card
error-citizen-check-digit = citizen ID “{ $id }”: the check digit is wrong (the first 17 digits give { $expected }); check every digit against the ID card

## Division codes (liudong-core code.rs)

error-code-length = division code “{ $code }” has { $len } characters; write 2, 4, 6, 9 or 12 digits (or CN for the nation)
error-code-not-digits = division code “{ $code }” contains a character that is not a digit; write digits only (or CN for the nation)
error-code-wrong-level = division code { $code } is a { $found } code; a { $expected } code ({ $len } digits) is needed here

## Addresses (liudong-core address.rs)

error-address-empty = the address is empty
error-address-unknown = the address “{ $text }” is not recognised{ $similar }
error-address-outside = the address “{ $text }” is outside this jurisdiction ({ $within }): write addresses elsewhere from the province or city{ $examples }
error-address-ambiguous = the address “{ $text }” can mean several places{ $places }; write it more fully (the township/subdistrict above, or the full village/community name)
error-address-incomplete = the address “{ $text }” names only the { $level } “{ $name }” ({ $code }), not the { $required }{ $rest }{ $similar }
error-address-incomplete-rest = { " " }(“{ $text }” is not a { $required } under it)
error-address-similar = ; similar: { $list }
error-address-examples = ; for example: { $list }
error-address-places = : { $list }
error-address-candidate = { $name } ({ $code })
error-address-separator = { "; " }
error-address-level-national = nation
error-address-level-province = province
error-address-level-prefecture = prefecture
error-address-level-county = county
error-address-level-township = township/subdistrict
error-address-level-village = village/community

## Audit trail (liudong audit)

error-audit-since = --since “{ $text }”: write YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (China Standard Time) or unix milliseconds
error-audit-since-time = --since “{ $text }”: write the time as HH:MM or HH:MM:SS
