# The monthly report of `liudong report` and its export: column labels, total, title.

report-col-unit = unit
report-col-name = name
report-col-births = births
report-col-boys = boys
report-col-girls = girls
report-col-sex-ratio = sex ratio
report-col-population = population
report-col-birth-rate = birth rate ‰
report-col-birth-rate-annual = annualised birth rate ‰
report-col-marriages = new marriages
report-col-married-women = married women 15-49
report-col-outflows = outflows
report-col-inflows = inflows
report-col-migrants-out = migrants out
report-col-migrants-in = migrants in
report-col-cert-rate = certificate rate %
report-col-feedback-rate = notice feedback rate %
report-col-check-rate = check report rate %
report-col-ack-days-avg = days to acknowledgement
report-total = { $name } total
report-title = Monthly report { $month } { $name } ({ $code } feedback within { $days } days)
report-arrival = inflow notices of the month arrived here { $days } days after registration on average ({ $notices } notices)
