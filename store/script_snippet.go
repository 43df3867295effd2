package store

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// scriptSnippets makes the snippets of a script_fts query (script_fts holds no text)
// from the indexed text of the messages keys: the text around the first place a term
// of the query appears, its terms marked, as FTS5's snippet() marks them for
// search_fts.
func (db *DB) scriptSnippets(ctx context.Context, match string, keys []int64) (map[int64]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT key, content, reasoning FROM message_text
		WHERE id IN (SELECT value & 4294967295 FROM json_each(?))`, int64sJSON(keys))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	terms := snippetTerms(match)
	byKey := map[int64]string{}
	for rows.Next() {
		var key int64
		var content, reasoning string
		if err := rows.Scan(&key, &content, &reasoning); err != nil {
			return nil, err
		}
		snip, ok := snippetOf(content, terms)
		if !ok {
			snip, _ = snippetOf(reasoning, terms)
		}
		byKey[key] = highlight(snip)
	}
	return byKey, rows.Err()
}

// snippetTerm is a term of a query as run against script_fts.
type snippetTerm struct {
	text   string // lower case
	prefix bool   // followed by *
	script bool   // characters of an unspaced script, found anywhere
}

// snippetTerms reads the terms of a query rewritten by scriptQuery: its words and
// pairs of characters, without operators, column names and syntax.
func snippetTerms(match string) []snippetTerm {
	var terms []snippetTerm
	inQuote := false
	for i := 0; i < len(match); {
		r, size := utf8.DecodeRuneInString(match[i:])
		if r == '"' {
			inQuote = !inQuote
		}
		if !tokenRune(r) {
			i += size
			continue
		}
		j := i
		for j < len(match) {
			r, size := utf8.DecodeRuneInString(match[j:])
			if !tokenRune(r) {
				break
			}
			j += size
		}
		word := match[i:j]
		i = j
		rest := strings.TrimLeft(match[j:], `"`)
		switch {
		case !inQuote && (word == "AND" || word == "OR" || word == "NOT" || word == "NEAR"):
			continue
		case !inQuote && strings.HasPrefix(match[j:], ":"): // a column filter
			continue
		}
		t := snippetTerm{text: strings.ToLower(word), prefix: strings.HasPrefix(rest, "*"), script: hasUnspaced(word)}
		if !slices.Contains(terms, t) {
			terms = append(terms, t)
		}
	}
	return terms
}

// tokenRune reports whether r is part of a token: the categories script_fts's
// tokenizer keeps (letters, numbers, private use, marks).
func tokenRune(r rune) bool {
	return unicode.In(r, unicode.L, unicode.N, unicode.Co, unicode.M)
}

// snippetContext is how many characters a snippet shows before its first term and
// in all: about FTS5's 24 tokens of English.
const (
	snippetBefore = 40
	snippetLength = 120
)

// snippetOf returns the part of text around the first term found, with markOpen and
// markClose around every term inside it, and whether a term was found.
func snippetOf(text string, terms []snippetTerm) (string, bool) {
	spans := findTerms(text, terms)
	if len(spans) == 0 {
		return "", false
	}
	start := spans[0][0]
	for n := 0; n < snippetBefore && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	end := start
	for n := 0; n < snippetLength && end < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	end = max(end, spans[0][1])
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	at := start
	for _, s := range spans {
		if s[0] >= end {
			break
		}
		b.WriteString(text[at:s[0]])
		b.WriteString(markOpen + text[s[0]:min(s[1], end)] + markClose)
		at = min(s[1], end)
	}
	b.WriteString(text[at:end])
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String(), true
}

// findTerms returns the byte spans of text where terms appear, in order, overlapping
// ones merged (日本 and 本語 mark 日本語 once). A script term is found anywhere; a
// word, as a whole token of text or, with prefix, its start, in any case.
func findTerms(text string, terms []snippetTerm) [][2]int {
	var spans [][2]int
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !tokenRune(r) {
			i += size
			continue
		}
		if unspaced(r) {
			for _, t := range terms {
				if t.script && hasPrefixFold(text[i:], t.text) {
					spans = append(spans, [2]int{i, i + len(t.text)})
				}
			}
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !tokenRune(r) || unspaced(r) {
				break
			}
			j += size
		}
		word := strings.ToLower(text[i:j])
		for _, t := range terms {
			if !t.script && (word == t.text || t.prefix && strings.HasPrefix(word, t.text)) {
				spans = append(spans, [2]int{i, j})
				break
			}
		}
		i = j
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	merged := spans[:0]
	for _, s := range spans {
		if n := len(merged); n > 0 && s[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], s[1])
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// hasPrefixFold reports whether s starts with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
