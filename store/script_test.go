package store

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/llmtap/llmtap/dataset"
)

func TestUnspaced(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"ascii", "hello, world 42", false},
		{"latin_accents", "café crème, naïve", false},
		{"cyrillic", "привет мир", false},
		{"arabic", "مرحبا", false},
		{"punctuation_only", "「」、。・　", false},
		{"han", "成都", true},
		{"hiragana", "ひらがな", true},
		{"katakana_long_vowel", "ー", true},
		{"hangul", "한국어", true},
		{"thai", "ภาษาไทย", true},
		{"lao", "ພາສາລາວ", true},
		{"khmer", "ភាសាខ្មែរ", true},
		{"myanmar", "မြန်မာ", true},
		{"han_extension_b", "𠀀", true},
		{"mixed", "use 成都 here", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasUnspaced(tt.in); got != tt.want {
				t.Errorf("hasUnspaced(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestScriptText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"run", "成都美食", " 成都 都美 美食 食 "},
		{"one_char", "好", " 好 "},
		{"runs_and_words", "去成都吃美食, then go home。好吗", " 去成 成都 都吃 吃美 美食 食 , then go home。 好吗 吗 "},
		{"thai_letters", "ภาษา", " ภา าษ ษา า "},
		{"thai_marks_stay_with_their_letter", "ที่นี่", " ที่นี่ นี่ "},
		{"english_untouched", "plain English, no change", "plain English, no change"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scriptText(tt.in); got != tt.want {
				t.Errorf("scriptText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestScriptQuery(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"two_chars", "成都", `"成都"`},
		{"three_chars", "日本語", `"日本 本語"`},
		{"one_char_is_a_prefix", "美", `"美"*`},
		{"own_prefix_kept", "成都*", `"成都"*`},
		{"mixed_words", "成都 food", `"成都" food`},
		{"glued_to_a_word", "iPhone手机", `iPhone "手机"`},
		{"inside_a_phrase", `"去 成都"`, `" 去 成都 "`},
		{"operators_kept", "成都 OR 北京", `"成都" OR "北京"`},
		{"escaped_quote", `"a""成都"`, `"a"" 成都 "`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scriptQuery(tt.in); got != tt.want {
				t.Errorf("scriptQuery(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// checkIndexes runs FTS5's integrity checks on both full-text indexes; with a rank
// of 0 the check also compares search_fts with the text it reads (message_text).
func checkIndexes(t *testing.T, db *DB, stage string) {
	t.Helper()
	for _, q := range []string{`INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 0)`,
		`INSERT INTO script_fts(script_fts) VALUES ('integrity-check')`} {
		if _, err := db.sql.Exec(q); err != nil {
			t.Errorf("%s: %s: %v", stage, q, err)
		}
	}
}

// scriptCorpus is captured traffic in scripts written without spaces, mixed with
// English, and an English conversation that must not show up in their searches.
func scriptCorpus() []*dataset.Round {
	return []*dataset.Round{
		round(msgs(user("我想去成都旅行，有什么推荐的美食吗？")), bot("成都的美食很多：火锅、串串香和担担面都值得一试。")),
		round(msgs(user("日本語の文章を書いています。")), bot("日本語は難しいですが、ラーメンは美味しいです。")),
		round(msgs(user("한국어를 배우고 싶어요")), bot("한국어 공부를 응원합니다!")),
		round(msgs(user("ฉันอยากเรียนภาษาไทย")), bot("ภาษาไทยไม่ยากเกินไป")),
		round(msgs(user("Deploy the app to 北京 region")), bot("Use the cn-north-1 region in 北京; kubernetes works there.")),
		round(msgs(user("plain English about kubernetes")), bot("No other script here.")),
	}
}

// TestSearchScriptsGolden covers words inside Chinese, Japanese, Korean and Thai
// text, one-character and prefix queries, mixed queries and snippets, against
// testdata/search/scripts.golden.json.
func TestSearchScriptsGolden(t *testing.T) {
	db := openTest(t)
	write(t, db, scriptCorpus()...)
	searchGolden(t, db, "scripts", []string{
		"成都", "美食", "成都 美食", `"成都的美食"`, "火锅", "担担面", "面", "都*",
		"日本語", "文章", "ラーメン", "美味", "한국어", "공부", "ภาษาไทย", "ไทย",
		"北京", "北京 kubernetes", "北京 kube*", "kubernetes", "成都 OR 한국어", "成都 NOT 火锅", "上海",
	})
}

// TestScriptIndexFollowsChanges checks script_fts through a write, a reindex and
// the deletion of conversations: FTS5's integrity check passes, and each search
// finds exactly the conversations that hold the word.
func TestScriptIndexFollowsChanges(t *testing.T) {
	db := openTest(t)
	write(t, db, scriptCorpus()...)
	check := func(stage string, want map[string]int) {
		t.Helper()
		checkIndexes(t, db, stage)
		for q, n := range want {
			_, total, err := db.ListConversations(t.Context(), ListOptions{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			if total != n {
				t.Errorf("%s: search %q matches %d conversations, want %d", stage, q, total, n)
			}
		}
	}
	all := map[string]int{"成都": 1, "美食": 1, "日本語": 1, "한국어": 1, "ภาษาไทย": 1, "北京": 1, "kubernetes": 2}
	check("after write", all)
	reindex(t, db, ReindexOptions{BatchSize: 2})
	check("after reindex", all)
	// A new turn in the Chinese conversation, then the conversation deleted.
	write(t, db, round(msgs(user("我想去成都旅行，有什么推荐的美食吗？"), bot("成都的美食很多：火锅、串串香和担担面都值得一试。"),
		user("上海呢？")), bot("上海也有很多小笼包。")))
	check("after a new turn", map[string]int{"成都": 1, "上海": 1, "小笼包": 1})
	if _, err := db.sql.Exec(`UPDATE conversations SET head_id = NULL WHERE id IN (
		SELECT conversation_id FROM messages WHERE content LIKE '%成都%')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.Exec(`DELETE FROM conversations WHERE head_id IS NULL`); err != nil {
		t.Fatal(err)
	}
	check("after delete", map[string]int{"成都": 0, "上海": 0, "日本語": 1, "kubernetes": 2})
	var left int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM script_fts WHERE script_fts MATCH '"成都"'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("script_fts still holds %d rows for 成都 (%v), want 0", left, err)
	}
}

// TestSearchIndexesTheStartOfHugeMessages: a message's first 65,536 characters
// are indexed (migration 0016), the rest is stored but not searchable, and the
// index stays consistent when such a message is deleted.
func TestSearchIndexesTheStartOfHugeMessages(t *testing.T) {
	db := openTest(t)
	huge := "early marker 成都 " + strings.Repeat("filler words ", 65536/13+10) + " late marker 上海"
	if utf8.RuneCountInString(huge) <= 65536 {
		t.Fatal("the message is not past the limit")
	}
	write(t, db, round(msgs(user("a huge answer")), bot(huge)))
	for q, want := range map[string]int{"early": 1, "成都": 1, "late": 0, "上海": 0, "filler": 1} {
		if _, total, err := db.ListConversations(t.Context(), ListOptions{Query: q}); err != nil || total != want {
			t.Errorf("search %q: %d conversations (%v), want %d", q, total, err, want)
		}
	}
	if _, err := db.sql.Exec(`UPDATE conversations SET head_id = NULL`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.Exec(`DELETE FROM conversations`); err != nil {
		t.Fatal(err)
	}
	checkIndexes(t, db, "after deleting the huge message")
	var terms int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH 'filler'`).Scan(&terms); err != nil || terms != 0 {
		t.Errorf("search_fts still finds %d rows (%v), want 0", terms, err)
	}
}

// FuzzScriptQuery checks that a rewritten query never panics, keeps every character
// of the query that is not of an unspaced script, and gives FTS5 a query it can run
// whenever the query had no syntax of its own.
func FuzzScriptQuery(f *testing.F) {
	for _, s := range []string{"成都", "日本語 test", `"去 成都"`, "美*", `a""b`, "ภาษาไทย", "iPhone手机", "한국어 OR x", ""} {
		f.Add(s)
	}
	db := openTest(f)
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) {
			return
		}
		got := scriptQuery(q)
		// FTS5 reads a query up to a NUL and answers any query holding one with an
		// error, in every script (the API's 400): nothing to rewrite there.
		runnable := !strings.ContainsRune(q, 0)
		strip := func(s string) string {
			return strings.Map(func(r rune) rune {
				if unspaced(r) || isMark(r) || unicode.IsSpace(r) || r == '"' || r == '*' {
					return -1
				}
				return r
			}, s)
		}
		if strip(got) != strip(q) {
			t.Errorf("scriptQuery(%q) = %q: changed the rest of the query", q, got)
		}
		plain := quoteWords(q)
		if plain == "" || !hasUnspaced(q) || !runnable {
			return
		}
		var n int
		if err := db.sql.QueryRow(`SELECT COUNT(*) FROM script_fts WHERE script_fts MATCH ?`, scriptQuery(plain)).Scan(&n); err != nil {
			t.Errorf("script_fts MATCH %q (from %q): %v", scriptQuery(plain), q, err)
		}
	})
}

// TestMigrationIndexesStoredMessages opens a database made by the migrations before
// 0016, with messages in it, and checks that 0016 indexes them: words and scripts,
// snippets from the single index, consistent indexes.
func TestMigrationIndexesStoredMessages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:15] {
		if _, err := old.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	stmts := []string{`PRAGMA user_version = 15`,
		`INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'trip', 0, 0), (2, 'tides', 0, 0)`,
		`INSERT INTO messages (id, conversation_id, key, depth, rounds, role, content, created_at) VALUES
			(1, 1, 'k1', 1, 0, 'user', '我想去成都旅行', 0),
			(2, 1, 'k2', 2, 1, 'assistant', '成都的美食很多', 0),
			(3, 2, 'k3', 1, 0, 'user', 'tide tables for Lisbon', 0)`,
		`UPDATE conversations SET head_id = 2, message_count = 2, rounds = 1 WHERE id = 1`,
		`UPDATE conversations SET head_id = 3, message_count = 1 WHERE id = 2`,
		`INSERT INTO messages_fts (rowid, content, reasoning) SELECT id, content, reasoning FROM messages`,
		`INSERT INTO search_fts (rowid, content, reasoning) SELECT (conversation_id << 32) | id, content, reasoning FROM messages`,
	}
	for _, s := range stmts {
		if _, err := old.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	old.Close()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for q, want := range map[string]string{"美食": "成都的<mark>美食</mark>很多", "成都": "我想去<mark>成都</mark>旅行",
		"lisbon": "tide tables for <mark>Lisbon</mark>"} {
		items, _, err := db.ListConversations(t.Context(), ListOptions{Query: q})
		if err != nil || len(items) != 1 || items[0].Snippet != want {
			t.Errorf("search %q after the migration: %+v, %v; want one with snippet %q", q, items, err, want)
		}
	}
	checkIndexes(t, db, "after the migration")
}

// FuzzScriptSnippet checks that making a snippet never panics or splits a
// character, and that every marked part of it is text of the message.
func FuzzScriptSnippet(f *testing.F) {
	f.Add("我想去成都旅行，有什么推荐的美食吗？", "成都 美食")
	f.Add("ภาษาไทยไม่ยาก", "ไทย")
	f.Add("Use the cn-north-1 region in 北京; kubernetes", "北京 kube*")
	f.Add("", "美")
	f.Fuzz(func(t *testing.T, text, q string) {
		if !utf8.ValidString(text) || !utf8.ValidString(q) {
			return
		}
		snip, ok := snippetOf(text, snippetTerms(scriptQuery(q)))
		if !ok {
			return
		}
		if !utf8.ValidString(snip) {
			t.Fatalf("snippetOf(%q) = %q: not UTF-8", text, snip)
		}
		for _, part := range strings.Split(snip, markOpen)[1:] {
			marked, _, found := strings.Cut(part, markClose)
			if !found || !strings.Contains(text, marked) {
				t.Errorf("snippetOf(%q, %q) = %q: marked %q is not in the text", text, q, snip, marked)
			}
		}
	})
}
