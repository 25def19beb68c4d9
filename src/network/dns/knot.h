// libknot's headers have no extern "C" guards of their own.
#pragma once

extern "C" {
#include <libknot/libknot.h>
}
