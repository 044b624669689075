//
// IotDevice.Interop: Ota (our source). README.md, "ESP32 image" and "Flash layout".
// Slots are the N of ota_N; deploy_N is the managed code paired with ota_N (iotdevice_ab_partitions.c).
//

#include <string.h>

#include <esp_app_desc.h>
#include <esp_ota_ops.h>
#include <esp_partition.h>
#include <spi_flash_mmap.h>

#include "iotdevice_interop_common.h"

// The deploy partition of a slot that is not running (the running one is memory-mapped by nanoCLR and holds the
// assemblies it executes), or NULL with the last error set.
static const esp_partition_t *WritableDeploy(int32_t slot)
{
    if (slot == iotdevice_slot_of(esp_ota_get_running_partition()))
    {
        IotDevice_SetLastError(ESP_ERR_INVALID_ARG);
        return NULL;
    }

    const esp_partition_t *deploy = iotdevice_deploy_partition(slot);

    if (deploy == NULL)
    {
        IotDevice_SetLastError(ESP_ERR_NOT_FOUND);
    }

    return deploy;
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::RunningSlot___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    stack.SetResult_I4(iotdevice_slot_of(esp_ota_get_running_partition()));

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::NextSlot___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    stack.SetResult_I4(iotdevice_slot_of(esp_ota_get_next_update_partition(NULL)));

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::BeginApp___STATIC__U4__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    int32_t slot = stack.Arg0().NumericByRef().s4;
    int32_t imageSize = stack.Arg1().NumericByRef().s4;
    const esp_partition_t *app = iotdevice_app_partition(slot);
    esp_ota_handle_t handle = 0;
    esp_err_t error;

    if (app == NULL || app != esp_ota_get_next_update_partition(NULL) || imageSize <= 0 || (uint32_t)imageSize > app->size)
    {
        // only the next update slot, never the running one, and the image must fit
        error = ESP_ERR_INVALID_ARG;
    }
    else
    {
        error = esp_ota_begin(app, (size_t)imageSize, &handle);
    }

    IotDevice_SetLastError(error);
    stack.SetResult_U4(error == ESP_OK ? (CLR_UINT32)handle : 0);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::WriteApp___STATIC__I4__U4__SZARRAY_U1__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    esp_ota_handle_t handle;
    CLR_RT_HeapBlock_Array *data;
    int32_t offset;
    int32_t count;

    handle = (esp_ota_handle_t)stack.Arg0().NumericByRef().u4;
    data = stack.Arg1().DereferenceArray();
    FAULT_ON_NULL_ARG(data);
    offset = stack.Arg2().NumericByRef().s4;
    count = stack.Arg3().NumericByRef().s4;

    if (!IotDevice_RangeOk(data, offset, count))
    {
        NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
    }

    // with flash encryption esp_ota_write buffers to 16-byte units itself
    IotDevice_SetLastError(esp_ota_write(handle, data->GetElement(offset), (size_t)count));
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::EndApp___STATIC__I4__U4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    // verifies the image: checksum, SHA-256 and, with secure boot v2, its signature
    IotDevice_SetLastError(esp_ota_end((esp_ota_handle_t)stack.Arg0().NumericByRef().u4));
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::AbortApp___STATIC__I4__U4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    IotDevice_SetLastError(esp_ota_abort((esp_ota_handle_t)stack.Arg0().NumericByRef().u4));
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::EraseDeploy___STATIC__I4__I4__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const esp_partition_t *deploy = WritableDeploy(stack.Arg0().NumericByRef().s4);
    int32_t partitionOffset = stack.Arg1().NumericByRef().s4;
    int32_t length = stack.Arg2().NumericByRef().s4;

    if (deploy != NULL)
    {
        if (partitionOffset < 0 || length < 0 || (uint32_t)partitionOffset > deploy->size ||
            (uint32_t)length > deploy->size - (uint32_t)partitionOffset)
        {
            IotDevice_SetLastError(ESP_ERR_INVALID_ARG);
        }
        else
        {
            // esp_partition_erase_range refuses ranges that are not sector aligned (ESP_ERR_INVALID_ARG)
            IotDevice_SetLastError(esp_partition_erase_range(deploy, (size_t)partitionOffset, (size_t)length));
        }
    }

    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::WriteDeploy___STATIC__I4__I4__I4__SZARRAY_U1__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const esp_partition_t *deploy;
    int32_t partitionOffset;
    CLR_RT_HeapBlock_Array *data;
    int32_t offset;
    int32_t count;

    partitionOffset = stack.Arg1().NumericByRef().s4;
    data = stack.Arg2().DereferenceArray();
    FAULT_ON_NULL_ARG(data);
    offset = stack.Arg3().NumericByRef().s4;
    count = stack.Arg4().NumericByRef().s4;

    if (!IotDevice_RangeOk(data, offset, count))
    {
        NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
    }

    deploy = WritableDeploy(stack.Arg0().NumericByRef().s4);

    if (deploy != NULL)
    {
        if (partitionOffset < 0)
        {
            IotDevice_SetLastError(ESP_ERR_INVALID_ARG);
        }
        else
        {
            // deploy_N is flagged "encrypted": esp_partition_write encrypts (16-byte aligned offset and length needed)
            IotDevice_SetLastError(
                esp_partition_write(deploy, (size_t)partitionOffset, data->GetElement(offset), (size_t)count));
        }
    }

    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::ReadDeploy___STATIC__SZARRAY_U1__I4__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const esp_partition_t *deploy;
    int32_t partitionOffset;
    int32_t count;
    CLR_RT_HeapBlock_Array *array;
    esp_err_t error;

    deploy = iotdevice_deploy_partition(stack.Arg0().NumericByRef().s4);
    partitionOffset = stack.Arg1().NumericByRef().s4;
    count = stack.Arg2().NumericByRef().s4;

    if (deploy == NULL || partitionOffset < 0 || count < 0 || (uint32_t)partitionOffset > deploy->size ||
        (uint32_t)count > deploy->size - (uint32_t)partitionOffset)
    {
        IotDevice_SetLastError(deploy == NULL ? ESP_ERR_NOT_FOUND : ESP_ERR_INVALID_ARG);
        stack.SetResult_Object(NULL);
        NANOCLR_SET_AND_LEAVE(S_OK);
    }

    stack.PushValueAndClear();
    NANOCLR_CHECK_HRESULT(
        CLR_RT_HeapBlock_Array::CreateInstance(stack.TopValue(), (CLR_UINT32)count, g_CLR_RT_WellKnownTypes.m_UInt8));
    array = stack.TopValue().DereferenceArray();

    // decrypts transparently (encrypted partition)
    error = esp_partition_read(deploy, (size_t)partitionOffset, array->GetFirstElement(), (size_t)count);
    IotDevice_SetLastError(error);

    if (error != ESP_OK)
    {
        stack.SetResult_Object(NULL);
    }

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::SetBootSlot___STATIC__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const esp_partition_t *app = iotdevice_app_partition(stack.Arg0().NumericByRef().s4);

    // with anti-rollback, refuses an image whose secure_version is below the eFuse counter
    IotDevice_SetLastError(app == NULL ? ESP_ERR_NOT_FOUND : esp_ota_set_boot_partition(app));
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::MarkValid___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    IotDevice_SetLastError(esp_ota_mark_app_valid_cancel_rollback());
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::MarkInvalidAndReboot___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    // returns only when no rollback is possible
    IotDevice_SetLastError(esp_ota_mark_app_invalid_rollback_and_reboot());
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::RunningImageState___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    esp_ota_img_states_t state;
    esp_err_t error = esp_ota_get_state_partition(esp_ota_get_running_partition(), &state);

    IotDevice_SetLastError(error);

    // ESP_OTA_IMG_UNDEFINED (0xFFFFFFFF) becomes -1
    stack.SetResult_I4(error == ESP_OK ? (int32_t)state : -2);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::AppVersion___STATIC__STRING__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const esp_partition_t *app;
    esp_app_desc_t description;
    esp_err_t error;
    char version[sizeof(description.version) + 1];

    app = iotdevice_app_partition(stack.Arg0().NumericByRef().s4);
    error = app == NULL ? ESP_ERR_NOT_FOUND : esp_ota_get_partition_description(app, &description);
    IotDevice_SetLastError(error);

    if (error == ESP_OK)
    {
        // version[32] need not be terminated
        memcpy(version, description.version, sizeof(description.version));
        version[sizeof(description.version)] = '\0';
        NANOCLR_CHECK_HRESULT(stack.SetResult_String(version));
    }
    else
    {
        stack.SetResult_Object(NULL);
    }

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::AppSecureVersion___STATIC__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const esp_partition_t *app = iotdevice_app_partition(stack.Arg0().NumericByRef().s4);
    esp_app_desc_t description;
    esp_err_t error = app == NULL ? ESP_ERR_NOT_FOUND : esp_ota_get_partition_description(app, &description);

    IotDevice_SetLastError(error);
    stack.SetResult_I4(error == ESP_OK ? (int32_t)description.secure_version : -1);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::ResumeApp___STATIC__U4__I4__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    int32_t slot = stack.Arg0().NumericByRef().s4;
    int32_t imageSize = stack.Arg1().NumericByRef().s4;
    int32_t offset = stack.Arg2().NumericByRef().s4;
    const esp_partition_t *app = iotdevice_app_partition(slot);
    esp_ota_handle_t handle = 0;
    esp_err_t error;

    if (app == NULL || app != esp_ota_get_next_update_partition(NULL) || imageSize <= 0 ||
        (uint32_t)imageSize > app->size || offset < 0 || offset > imageSize ||
        (offset % SPI_FLASH_SEC_SIZE != 0 && offset != imageSize))
    {
        // only the next update slot, and only from a sector boundary of the written prefix
        error = ESP_ERR_INVALID_ARG;
    }
    else
    {
        // sequential writes: esp_ota_write erases each sector when the writes reach its start, so the sectors
        // after the prefix (half-written before the interruption) are erased before they are written again
        error = esp_ota_resume(app, OTA_WITH_SEQUENTIAL_WRITES, (size_t)offset, &handle);
    }

    IotDevice_SetLastError(error);
    stack.SetResult_U4(error == ESP_OK ? (CLR_UINT32)handle : 0);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::ReadApp___STATIC__SZARRAY_U1__I4__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const esp_partition_t *app;
    int32_t partitionOffset;
    int32_t count;
    CLR_RT_HeapBlock_Array *array;
    esp_err_t error;

    app = iotdevice_app_partition(stack.Arg0().NumericByRef().s4);
    partitionOffset = stack.Arg1().NumericByRef().s4;
    count = stack.Arg2().NumericByRef().s4;

    if (app == NULL || partitionOffset < 0 || count < 0 || (uint32_t)partitionOffset > app->size ||
        (uint32_t)count > app->size - (uint32_t)partitionOffset)
    {
        IotDevice_SetLastError(app == NULL ? ESP_ERR_NOT_FOUND : ESP_ERR_INVALID_ARG);
        stack.SetResult_Object(NULL);
        NANOCLR_SET_AND_LEAVE(S_OK);
    }

    stack.PushValueAndClear();
    NANOCLR_CHECK_HRESULT(
        CLR_RT_HeapBlock_Array::CreateInstance(stack.TopValue(), (CLR_UINT32)count, g_CLR_RT_WellKnownTypes.m_UInt8));
    array = stack.TopValue().DereferenceArray();

    // app partitions are always flash-encrypted when flash encryption is on: esp_partition_read decrypts
    error = esp_partition_read(app, (size_t)partitionOffset, array->GetFirstElement(), (size_t)count);
    IotDevice_SetLastError(error);

    if (error != ESP_OK)
    {
        stack.SetResult_Object(NULL);
    }

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::AppSlotSize___STATIC__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const esp_partition_t *app = iotdevice_app_partition(stack.Arg0().NumericByRef().s4);

    IotDevice_SetLastError(app == NULL ? ESP_ERR_NOT_FOUND : ESP_OK);
    stack.SetResult_I4(app == NULL ? -1 : (int32_t)app->size);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::DeploySlotSize___STATIC__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const esp_partition_t *deploy = iotdevice_deploy_partition(stack.Arg0().NumericByRef().s4);

    IotDevice_SetLastError(deploy == NULL ? ESP_ERR_NOT_FOUND : ESP_OK);
    stack.SetResult_I4(deploy == NULL ? -1 : (int32_t)deploy->size);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Ota::AppBuildTime___STATIC__STRING__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    const esp_partition_t *app;
    esp_app_desc_t description;
    esp_err_t error;
    // date[16] and time[16] need not be terminated
    char text[sizeof(description.date) + 1 + sizeof(description.time) + 1];

    app = iotdevice_app_partition(stack.Arg0().NumericByRef().s4);
    error = app == NULL ? ESP_ERR_NOT_FOUND : esp_ota_get_partition_description(app, &description);
    IotDevice_SetLastError(error);

    if (error == ESP_OK)
    {
        size_t dateLength = strnlen(description.date, sizeof(description.date));
        size_t timeLength = strnlen(description.time, sizeof(description.time));

        memcpy(text, description.date, dateLength);
        text[dateLength] = ' ';
        memcpy(text + dateLength + 1, description.time, timeLength);
        text[dateLength + 1 + timeLength] = '\0';
        NANOCLR_CHECK_HRESULT(stack.SetResult_String(text));
    }
    else
    {
        stack.SetResult_Object(NULL);
    }

    NANOCLR_NOCLEANUP();
}
