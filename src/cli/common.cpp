// Helpers shared by the commands: failure reporting.
#include "cli/commands.h"

namespace ingot::cli {

void Fail(const Status& status) { throw CommandError{status.ToString()}; }

}  // namespace ingot::cli
