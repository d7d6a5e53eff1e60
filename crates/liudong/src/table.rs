//! Plain-text tables for a terminal: columns padded to the display width of
//! their widest cell (a CJK character takes two columns), two spaces apart.

/// The display width of `s` on a terminal: CJK characters take two columns.
pub fn width(s: &str) -> usize {
    s.chars()
        .map(|ch| if (ch as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// Renders `rows` (the first is the header) as aligned lines: the first
/// `left` columns aligned left, the others right; trailing spaces trimmed.
pub fn render(rows: &[Vec<String>], left: usize) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| width(c))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[i] - width(cell));
            if i < left {
                line.push_str(cell);
                line.push_str(&pad);
            } else {
                line.push_str(&pad);
                line.push_str(cell);
            }
            line.push_str("  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_by_display_width() {
        let rows = vec![
            vec!["单位".to_string(), "n".to_string()],
            vec!["410602".to_string(), "12".to_string()],
        ];
        let text = render(&rows, 1);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, ["单位     n", "410602  12"]);
        assert_eq!(width(lines[0]), width(lines[1]));
    }
}
