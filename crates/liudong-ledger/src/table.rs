//! Plain-text tables for the terminal, aligned for Chinese text (a Chinese
//! character takes two columns of a terminal, a Latin letter one).

/// Terminal columns `c` takes: two for East Asian wide and full-width
/// characters, one for others.
fn char_width(c: char) -> usize {
    let wide = matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// Terminal columns `s` takes.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `head` and `rows` as lines of columns two spaces apart, each column as
/// wide as its widest cell; the last column is not padded.
pub fn text_table(head: &[String], rows: &[Vec<String>]) -> String {
    let n = head.len();
    let mut widths: Vec<usize> = head.iter().map(|h| width(h)).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(c));
        }
    }
    let mut out = String::new();
    for r in std::iter::once(head).chain(rows.iter().map(Vec::as_slice)) {
        let mut line = String::new();
        for (i, c) in r.iter().take(n).enumerate() {
            line.push_str(c);
            if i + 1 < n {
                line.push_str(&" ".repeat(widths[i] - width(c) + 2));
            }
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
    fn chinese_and_latin_columns_line_up() {
        let head = vec!["行号".to_string(), "地址".to_string(), "代码".to_string()];
        let rows = vec![
            vec![
                "4".into(),
                "南伞镇新城社区12号".into(),
                "530924103001".into(),
            ],
            vec!["10".into(), "忙丙村".into(), "".into()],
        ];
        let t = text_table(&head, &rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "行号  地址                代码");
        assert_eq!(lines[1], "4     南伞镇新城社区12号  530924103001");
        assert_eq!(lines[2], "10    忙丙村");
        assert_eq!(width("南伞12"), 6);
    }
}
