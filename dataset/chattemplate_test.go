package dataset

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRecoverChat(t *testing.T) {
	sys := func(s string) Message { return Message{Role: RoleSystem, Content: s} }
	user := func(s string) Message { return Message{Role: RoleUser, Content: s} }
	bot := func(s string) Message { return Message{Role: RoleAssistant, Content: s} }
	tests := []struct {
		name   string
		prompt string
		want   []Message // nil: the prompt must stay raw
	}{
		{"chatml_single", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
			[]Message{user("Hi"), bot("")}},
		{"chatml_system_multi_turn", "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
			[]Message{sys("Be brief."), user("Hi"), bot("Hello!"), user("Bye"), bot("")}},
		{"chatml_prefill_think", "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n",
			[]Message{user("2+2?"), bot("<think>\n")}},
		{"chatml_history_think_split", "<|im_start|>user\nA<|im_end|>\n<|im_start|>assistant\n<think>hm</think>B<|im_end|>\n<|im_start|>user\nC<|im_end|>\n<|im_start|>assistant\n",
			[]Message{user("A"), {Role: RoleAssistant, Content: "B", Reasoning: "hm"}, user("C"), bot("")}},
		{"chatml_tool_turn", "<|im_start|>user\nA<|im_end|>\n<|im_start|>assistant\nB<|im_end|>\n<|im_start|>tool\n42<|im_end|>\n<|im_start|>assistant\n",
			[]Message{user("A"), bot("B"), {Role: RoleTool, Content: "42"}, bot("")}},
		{"chatml_open_without_newline", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant",
			[]Message{user("Hi"), bot("")}},
		{"llama3_system", "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe kind.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
			[]Message{sys("Be kind."), user("Hi"), bot("")}},
		{"llama3_multi_turn", "<|start_header_id|>user<|end_header_id|>\n\nA<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nB<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nC<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
			[]Message{user("A"), bot("B"), user("C"), bot("")}},
		{"gemma_multi_turn", "<bos><start_of_turn>user\nA<end_of_turn>\n<start_of_turn>model\nB<end_of_turn>\n<start_of_turn>user\nC<end_of_turn>\n<start_of_turn>model\n",
			[]Message{user("A"), bot("B"), user("C"), bot("")}},
		{"mistral_v1", "<s>[INST] A [/INST] B</s>[INST] C [/INST]",
			[]Message{user("A"), bot("B"), user("C"), bot("")}},
		{"mistral_v3_unspaced", "<s>[INST]A[/INST]B</s>[INST]C[/INST]",
			[]Message{user("A"), bot("B"), user("C"), bot("")}},
		{"mistral_system_prompt_block", "<s>[SYSTEM_PROMPT]Be brief.[/SYSTEM_PROMPT][INST]A[/INST]",
			[]Message{sys("Be brief."), user("A"), bot("")}},
		{"llama2_sys_multi_turn", "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nA [/INST] B </s><s>[INST] C [/INST]",
			[]Message{sys("Be brief."), user("A"), bot("B"), user("C"), bot("")}},
		{"alpaca_no_preamble", "### Instruction:\nSay hi.\n\n### Response:\n",
			[]Message{user("Say hi."), bot("")}},
		{"alpaca_multi_turn", "You help.\n\n### Instruction:\nA\n\n### Response:\nB\n\n### Instruction:\nC\n\n### Input:\nD\n\n### Response:\n",
			[]Message{sys("You help."), user("A"), bot("B"), user("C\n\nD"), bot("")}},
		{"vicuna_no_system", "USER: Hi ASSISTANT:", []Message{user("Hi"), bot("")}},
		{"vicuna_newlines", "Be nice.\n\nUSER: A\nASSISTANT: B</s>\nUSER: C\nASSISTANT:",
			[]Message{sys("Be nice."), user("A"), bot("B"), user("C"), bot("")}},

		{"plain_text", "Once upon a time", nil},
		{"empty", "", nil},
		{"chatml_ends_closed", "<|im_start|>user\nHi<|im_end|>\n", nil},
		{"chatml_ends_open_user", "<|im_start|>user\nHi", nil},
		{"chatml_unknown_role", "<|im_start|>narrator\nHi<|im_end|>\n<|im_start|>assistant\n", nil},
		{"chatml_text_before", "Story so far: <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", nil},
		{"chatml_text_between", "<|im_start|>user\nHi<|im_end|>\nnoise<|im_start|>assistant\n", nil},
		{"chatml_only_assistant", "<|im_start|>assistant\n", nil},
		{"llama3_missing_end_header", "<|start_header_id|>user\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", nil},
		{"mistral_unclosed_inst", "[INST] Hi", nil},
		{"mistral_ends_with_answer", "[INST] Hi [/INST] Hello</s>", nil},
		{"mistral_tool_calls", "[AVAILABLE_TOOLS][][/AVAILABLE_TOOLS][INST] Hi [/INST]", nil},
		{"alpaca_header_mid_line", "Use the ### Instruction: format.\n### Response:\n", nil},
		{"alpaca_response_first", "### Response:\nHi\n### Instruction:\nA\n", nil},
		{"vicuna_ends_with_user", "USER: Hi ASSISTANT: Hello USER: Bye", nil},
		{"vicuna_marker_inside_word", "NOUSER: Hi NOASSISTANT:", nil},
		{"vicuna_two_users", "USER: A USER: B ASSISTANT:", nil},
		{"gemma_ends_with_user", "<start_of_turn>user\nHi<end_of_turn>\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RecoverChat(tt.prompt)
			if ok != (tt.want != nil) {
				t.Fatalf("RecoverChat(%q) ok = %v, want %v (messages %+v)", tt.prompt, ok, tt.want != nil, got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RecoverChat(%q) mismatch (-want +got):\n%s", tt.prompt, diff)
			}
		})
	}
}

// FuzzRecoverChat checks that RecoverChat neither panics nor takes long, and that
// what it recovers has the promised shape.
func FuzzRecoverChat(f *testing.F) {
	dir := filepath.Join("testdata", "completions")
	for _, name := range goldenCases(f, dir, ".req.json") {
		f.Add(string(readFile(f, filepath.Join(dir, name+".req.json"))))
	}
	f.Add("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
	f.Add("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nA [/INST] B </s><s>[INST] C [/INST]")
	f.Add("S\n### Instruction:\nA\n### Input:\nB\n### Response:\n")
	f.Add("S USER: A ASSISTANT: B</s>USER: C ASSISTANT:")
	f.Fuzz(func(t *testing.T, prompt string) {
		start := time.Now()
		msgs, ok := RecoverChat(prompt)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("RecoverChat took %v on %d bytes", d, len(prompt))
		}
		if !ok {
			if msgs != nil {
				t.Fatalf("RecoverChat = %+v, false; want nil messages", msgs)
			}
			return
		}
		if len(msgs) < 2 || msgs[len(msgs)-1].Role != RoleAssistant {
			t.Fatalf("RecoverChat = %+v, want history and an open assistant turn", msgs)
		}
	})
}
