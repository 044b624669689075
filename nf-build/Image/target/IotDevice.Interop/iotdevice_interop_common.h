//
// IotDevice.Interop: helpers shared by the class implementations (our source). README.md, "ESP32 image".
//

#ifndef IOTDEVICE_INTEROP_COMMON_H
#define IOTDEVICE_INTEROP_COMMON_H

#include "IotDevice_Interop.h"

#include <esp_err.h>

#include "iotdevice_ab_partitions.h"

// The esp_err_t (or mbedTLS error) of the last native call; 0 after a call that succeeded.
// nanoCLR runs managed threads on one native thread and never preempts a native method, so one
// variable is enough (EspError.Last() reads it right after the call it belongs to).
extern int32_t g_IotDevice_LastError;

inline void IotDevice_SetLastError(int32_t error)
{
    g_IotDevice_LastError = error;
}

// Returns a new managed byte[] holding data[0 .. length).
HRESULT IotDevice_ReturnBytes(CLR_RT_StackFrame &stack, const uint8_t *data, size_t length);

// True when [offset, offset + count) lies inside the array.
bool IotDevice_RangeOk(CLR_RT_HeapBlock_Array *array, int32_t offset, int32_t count);

#endif // IOTDEVICE_INTEROP_COMMON_H
