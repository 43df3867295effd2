package dataset

import "fmt"

// MaxScore is the best quality score of a conversation (issue 14, "Ratings"); 0
// means not rated.
const MaxScore = 5

// A conversation's score travels as a top-level "score" column, an integer 1 to
// MaxScore left out when the conversation is unrated, in the formats whose
// trainers ignore a column they do not know: sharegpt and sharegpt-jsonl
// (LLaMA-Factory's converter reads only the columns dataset_info.json names),
// messages-jsonl (axolotl and TRL read the messages and tools columns), alpaca, and
// their Parquet rows (a nullable integer). Not in openai-jsonl or openai-dpo,
// whose fine-tuning checks name the keys a line may hold, nor in the preference
// and KTO records, which label answers rather than conversations.

// scoreOf is c's score as a record writes it: 0 (left out) outside 1..MaxScore.
func scoreOf(c Conversation) int {
	if c.Score < 1 || c.Score > MaxScore {
		return 0
	}
	return c.Score
}

// checkScore is the validators' rule for a "score" column: absent, or an integer
// 1 to MaxScore (a JSON decode into *int has already refused a non-integer).
func checkScore(score *int) error {
	if score != nil && (*score < 1 || *score > MaxScore) {
		return fmt.Errorf("score %d: must be an integer 1 to %d, or left out when unrated", *score, MaxScore)
	}
	return nil
}
