// `ghl completion bash|zsh`: prints a shell completion script built from the CLI's own
// subcommands and flags (so it never drifts from them), the HTTP methods, the catalog's paths
// per method (`ghl api POST /contacts/s<TAB>`), catalog ids (`ghl endpoints show`) and the
// event types of `ghl trigger`. zsh loads the bash function through bashcompinit.
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "ghl/catalog/catalog.h"
#include "ghl/webhooks/event_examples.h"

namespace ghl::cli {
namespace {

/// Flags and subcommand names of `app`, and the flags that take a value.
struct Words {
  std::vector<std::string> words;
  std::vector<std::string> valued;
};

Words WordsOf(const CLI::App* app) {
  Words w;
  for (const CLI::App* sub : app->get_subcommands({})) w.words.push_back(sub->get_name());
  for (const CLI::Option* opt : app->get_options()) {
    std::vector<std::string> names;
    for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
    for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
    for (const std::string& n : names) {
      w.words.push_back(n);
      if (opt->get_type_size() != 0) w.valued.push_back(n);
    }
  }
  return w;
}

std::string Joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

/// "" for the top level, "events" or "events tail" below it.
void Collect(const CLI::App* app, const std::string& path, std::map<std::string, Words>* out) {
  (*out)[path] = WordsOf(app);
  for (const CLI::App* sub : app->get_subcommands({})) {
    Collect(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
  }
}

std::string BashScript(const CLI::App& root) {
  std::map<std::string, Words> table;
  Collect(&root, "", &table);
  std::string s =
      "# ghl bash completion. Load it with: eval \"$(ghl completion bash)\"\n"
      "# or save it: ghl completion bash > ~/.local/share/bash-completion/completions/ghl\n";
  s += "_ghl_words() {\n  case \"$1\" in\n";
  for (const auto& [path, w] : table) {
    s += "    '" + path + "') echo '" + Joined(w.words) + "' ;;\n";
  }
  s += "  esac\n}\n";
  s += "_ghl_valued() {\n  case \"$1\" in\n";
  for (const auto& [path, w] : table) {
    if (!w.valued.empty()) s += "    '" + path + "') echo ' " + Joined(w.valued) + " ' ;;\n";
  }
  s += "  esac\n}\n";
  std::map<std::string, std::set<std::string>> paths;
  std::vector<std::string> ids;
  for (const catalog::Endpoint& e : catalog::AllEndpoints()) {
    paths[std::string(e.method)].insert(std::string(e.path));
    ids.emplace_back(e.id);
  }
  s += "_ghl_paths() {\n  case \"$1\" in\n";
  for (const auto& [method, list] : paths) {
    s += "    " + method + ") printf '%s\\n'";
    for (const std::string& p : list) s += " '" + p + "'";
    s += " ;;\n";
  }
  s += "  esac\n}\n";
  s += "_ghl_ids() {\n  printf '%s\\n'";
  for (const std::string& id : ids) s += " '" + id + "'";
  s += "\n}\n";
  s += "_ghl_events() {\n  printf '%s\\n'";
  for (std::string_view t : webhooks::ExampleEventTypes()) s += " '" + std::string(t) + "'";
  s += "\n}\n";
  s += R"SH(_ghl() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" path="" i w args=()
  ((COMP_CWORD > 1)) && prev="${COMP_WORDS[COMP_CWORD-1]}"
  # The command path (`events tail`) and the positional words after it.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    if [[ $w == -* ]]; then
      [[ $(_ghl_valued "$path") == *" $w "* ]] && ((i++))
      continue
    fi
    local below=" $(_ghl_words "$path") "
    if [[ ${#args[@]} -eq 0 && $w != -* && $below == *" $w "* ]]; then
      path="${path:+$path }$w"
    else
      args+=("$w")
    fi
  done
  COMPREPLY=()
  [[ $cur != -* && $(_ghl_valued "$path") == *" $prev "* ]] && return 0  # a flag's value
  local IFS=$'\n' candidates=""
  if [[ $cur == -* ]]; then
    candidates=$(_ghl_words "$path" | tr ' ' '\n' | grep -- '^-')
  elif [[ $path == api ]]; then
    if ((${#args[@]} == 0)); then
      candidates=$'GET\nPOST\nPUT\nPATCH\nDELETE'
    elif ((${#args[@]} == 1)); then
      candidates=$(_ghl_paths "${args[0]^^}")
    fi
  elif [[ $path == "endpoints show" && ${#args[@]} -eq 0 ]]; then
    candidates=$(_ghl_ids)
  elif [[ $path == trigger && ${#args[@]} -eq 0 ]]; then
    candidates=$(_ghl_events)
  elif [[ $path == completion && ${#args[@]} -eq 0 ]]; then
    candidates=$'bash\nzsh'
  elif ((${#args[@]} == 0)); then
    candidates=$(_ghl_words "$path" | tr ' ' '\n' | grep -v -- '^-')
  fi
  local c
  for c in $candidates; do
    [[ $c == "$cur"* ]] && COMPREPLY+=("$c")
  done
  return 0
}
complete -F _ghl ghl
)SH";
  return s;
}

}  // namespace

void AddCompletionCommand(CLI::App& app, int* exit_code) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "completion", "Print a shell completion script: eval \"$(ghl completion bash)\"");
  cmd->add_option("shell", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  cmd->callback([shell, exit_code, &app] {
    std::string script = BashScript(app);
    if (*shell == "zsh") {
      std::printf(
          "#compdef ghl\n# ghl zsh completion (the bash function through bashcompinit).\n"
          "# Load it with: eval \"$(ghl completion zsh)\"\n"
          "autoload -U +X bashcompinit && bashcompinit\n");
    }
    std::fputs(script.c_str(), stdout);
    *exit_code = kExitOk;
  });
}

}  // namespace ghl::cli
