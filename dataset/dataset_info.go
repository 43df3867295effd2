package dataset

// DatasetInfo is the LLaMA-Factory dataset_info.json entry that loads a file (or
// folder) named file in format f, with the columns report says the records have;
// nil for a format LLaMA-Factory does not read as it is (openai-jsonl,
// openai-dpo, preference-jsonl: their answers are lists, not one message).
func DatasetInfo(f ExportFormat, file string, report ExportReport) map[string]any {
	cols := map[string]string{}
	entry := map[string]any{"file_name": file, "columns": cols}
	optional := func() {
		if report.System {
			cols["system"] = "system"
		}
		if report.Tools {
			cols["tools"] = "tools"
		}
		if report.Images {
			cols["images"] = "images"
		}
	}
	spec, err := LookupFormat(f)
	if err != nil {
		return nil
	}
	switch spec.Format {
	case FormatShareGPT, FormatShareGPTJSONL, FormatKTO, FormatPreference:
		entry["formatting"] = "sharegpt"
		cols["messages"] = "conversations"
		optional()
		switch spec.Format {
		case FormatKTO:
			cols["kto_tag"] = "kto_tag"
		case FormatPreference:
			entry["ranking"] = true
			cols["chosen"], cols["rejected"] = "chosen", "rejected"
		}
	case FormatAlpaca:
		entry["formatting"] = "alpaca"
		cols["prompt"], cols["query"], cols["response"], cols["history"] = "instruction", "input", "output", "history"
		optional()
	case FormatMessagesJSONL:
		entry["formatting"] = "sharegpt"
		cols["messages"] = "messages"
		if report.Tools {
			cols["tools"] = "tools"
		}
		entry["tags"] = map[string]string{"role_tag": "role", "content_tag": "content", "user_tag": "user",
			"assistant_tag": "assistant", "system_tag": "system", "observation_tag": "tool"}
	default:
		return nil
	}
	return entry
}
