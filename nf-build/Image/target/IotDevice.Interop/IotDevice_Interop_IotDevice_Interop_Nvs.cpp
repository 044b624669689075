//
// IotDevice.Interop: Nvs (our source). README.md, "ESP32 image" and "Device protocols" (NVS schema).
//

#include <string.h>

#include <nvs.h>

#include "iotdevice_interop_common.h"

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Nvs::Open___STATIC__U4__STRING__BOOLEAN(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const char *nameSpace;
    bool readWrite;
    nvs_handle_t handle = 0;
    esp_err_t error;

    nameSpace = stack.Arg0().RecoverString();
    FAULT_ON_NULL_ARG(nameSpace);
    readWrite = stack.Arg1().NumericByRef().u1 != 0;

    error = nvs_open(nameSpace, readWrite ? NVS_READWRITE : NVS_READONLY, &handle);
    IotDevice_SetLastError(error);

    stack.SetResult_U4(error == ESP_OK ? (CLR_UINT32)handle : 0);

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Nvs::Close___STATIC__VOID__U4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    nvs_close((nvs_handle_t)stack.Arg0().NumericByRef().u4);
    IotDevice_SetLastError(ESP_OK);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Nvs::GetString___STATIC__STRING__U4__STRING(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    nvs_handle_t handle;
    const char *key;
    size_t length = 0;
    char *value = NULL;
    esp_err_t error;

    handle = (nvs_handle_t)stack.Arg0().NumericByRef().u4;
    key = stack.Arg1().RecoverString();
    FAULT_ON_NULL_ARG(key);

    // first call: the length, terminator included
    error = nvs_get_str(handle, key, NULL, &length);

    if (error == ESP_OK)
    {
        value = (char *)platform_malloc(length);

        if (value == NULL)
        {
            error = ESP_ERR_NO_MEM;
        }
        else
        {
            error = nvs_get_str(handle, key, value, &length);
        }
    }

    IotDevice_SetLastError(error);

    if (error == ESP_OK)
    {
        NANOCLR_CHECK_HRESULT(stack.SetResult_String(value));
    }
    else
    {
        stack.SetResult_Object(NULL);
    }

    NANOCLR_CLEANUP();

    if (value != NULL)
    {
        // NVS strings of the schema include PEM private keys
        memset(value, 0, length);
        platform_free(value);
    }

    NANOCLR_CLEANUP_END();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Nvs::SetString___STATIC__I4__U4__STRING__STRING(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    nvs_handle_t handle;
    const char *key;
    const char *value;

    handle = (nvs_handle_t)stack.Arg0().NumericByRef().u4;
    key = stack.Arg1().RecoverString();
    FAULT_ON_NULL_ARG(key);
    value = stack.Arg2().RecoverString();
    FAULT_ON_NULL_ARG(value);

    IotDevice_SetLastError(nvs_set_str(handle, key, value));
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Nvs::GetBlob___STATIC__SZARRAY_U1__U4__STRING(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    nvs_handle_t handle;
    const char *key;
    size_t length = 0;
    esp_err_t error;
    CLR_RT_HeapBlock_Array *array;

    handle = (nvs_handle_t)stack.Arg0().NumericByRef().u4;
    key = stack.Arg1().RecoverString();
    FAULT_ON_NULL_ARG(key);

    error = nvs_get_blob(handle, key, NULL, &length);
    IotDevice_SetLastError(error);

    if (error != ESP_OK)
    {
        stack.SetResult_Object(NULL);
        NANOCLR_SET_AND_LEAVE(S_OK);
    }

    // read straight into the managed array
    stack.PushValueAndClear();
    NANOCLR_CHECK_HRESULT(
        CLR_RT_HeapBlock_Array::CreateInstance(stack.TopValue(), (CLR_UINT32)length, g_CLR_RT_WellKnownTypes.m_UInt8));
    array = stack.TopValue().DereferenceArray();

    error = nvs_get_blob(handle, key, array->GetFirstElement(), &length);
    IotDevice_SetLastError(error);

    if (error != ESP_OK)
    {
        stack.SetResult_Object(NULL);
    }

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Nvs::SetBlob___STATIC__I4__U4__STRING__SZARRAY_U1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    nvs_handle_t handle;
    const char *key;
    CLR_RT_HeapBlock_Array *value;

    handle = (nvs_handle_t)stack.Arg0().NumericByRef().u4;
    key = stack.Arg1().RecoverString();
    FAULT_ON_NULL_ARG(key);
    value = stack.Arg2().DereferenceArray();
    FAULT_ON_NULL_ARG(value);

    IotDevice_SetLastError(nvs_set_blob(handle, key, value->GetFirstElement(), value->m_numOfElements));
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Nvs::EraseKey___STATIC__I4__U4__STRING(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    nvs_handle_t handle;
    const char *key;

    handle = (nvs_handle_t)stack.Arg0().NumericByRef().u4;
    key = stack.Arg1().RecoverString();
    FAULT_ON_NULL_ARG(key);

    IotDevice_SetLastError(nvs_erase_key(handle, key));
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Nvs::Commit___STATIC__I4__U4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    IotDevice_SetLastError(nvs_commit((nvs_handle_t)stack.Arg0().NumericByRef().u4));
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP_NOLABEL();
}
