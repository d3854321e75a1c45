#pragma once
// The evaluator's seam for data parallelism (harness/distributed/data_parallel_sharing.h): the
// processes of one run agree which of them answers which instance, each answers its share through
// its own journal, and the one that scores collects the others' answers. The evaluator stays the
// same in one process and in many; only who answers what changes.

#include <string>
#include <utility>
#include <vector>

#include "tasks/task.h"

namespace engram::tasks {

struct SharedInstance {
  const Task* task = nullptr;
  const Instance* instance = nullptr;
  const std::string* key = nullptr;  // the journal key (journal.h): the instance's identity
  bool answered = false;             // this process's journals hold its answer
};

class RequestSharing {
 public:
  virtual ~RequestSharing() = default;
  // Which of `instances` (every instance of one request type, in the same order in every process)
  // this process answers. Collective: every process calls it, and together they cover each one
  // exactly once.
  virtual std::vector<bool> assign(RequestType type, const std::vector<SharedInstance>& instances) = 0;
  // After each process answered its share: `mine` holds this process's (key, response) pairs. The
  // scoring process gets back everyone else's; the others get nothing. Collective.
  virtual std::vector<std::pair<std::string, InstanceResponse>> collect(
      RequestType type, const std::vector<std::pair<std::string, const InstanceResponse*>>& mine) = 0;
  // Whether this process scores (and so collects); exactly one does.
  virtual bool scores() const = 0;
};

}  // namespace engram::tasks
