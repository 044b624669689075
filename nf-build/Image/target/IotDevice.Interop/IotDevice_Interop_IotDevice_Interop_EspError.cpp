//
// IotDevice.Interop: EspError (our source). README.md, "ESP32 image".
//

#include <string.h>

#include "iotdevice_interop_common.h"

int32_t g_IotDevice_LastError = 0;

HRESULT IotDevice_ReturnBytes(CLR_RT_StackFrame &stack, const uint8_t *data, size_t length)
{
    NANOCLR_HEADER();

    CLR_RT_HeapBlock_Array *array;

    stack.PushValueAndClear();
    NANOCLR_CHECK_HRESULT(
        CLR_RT_HeapBlock_Array::CreateInstance(stack.TopValue(), (CLR_UINT32)length, g_CLR_RT_WellKnownTypes.m_UInt8));

    array = stack.TopValue().DereferenceArray();

    if (length > 0)
    {
        memcpy(array->GetFirstElement(), data, length);
    }

    NANOCLR_NOCLEANUP();
}

bool IotDevice_RangeOk(CLR_RT_HeapBlock_Array *array, int32_t offset, int32_t count)
{
    return array != NULL && offset >= 0 && count >= 0 && (CLR_UINT32)offset <= array->m_numOfElements &&
           (CLR_UINT32)count <= array->m_numOfElements - (CLR_UINT32)offset;
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_EspError::Last___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_EspError::Name___STATIC__STRING__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    esp_err_t error = (esp_err_t)stack.Arg0().NumericByRef().s4;

    NANOCLR_SET_AND_LEAVE(stack.SetResult_String(esp_err_to_name(error)));

    NANOCLR_NOCLEANUP();
}
