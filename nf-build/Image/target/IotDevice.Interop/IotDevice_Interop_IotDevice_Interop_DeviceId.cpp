//
// IotDevice.Interop: DeviceId (our source). README.md, "ESP32 image".
//

#include <esp_mac.h>

#include "iotdevice_interop_common.h"

HRESULT Library_IotDevice_Interop_IotDevice_Interop_DeviceId::BaseMac___STATIC__SZARRAY_U1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    uint8_t mac[6];
    esp_err_t error = esp_efuse_mac_get_default(mac);

    IotDevice_SetLastError(error);

    if (error == ESP_OK)
    {
        NANOCLR_SET_AND_LEAVE(IotDevice_ReturnBytes(stack, mac, sizeof(mac)));
    }

    stack.SetResult_Object(NULL);

    NANOCLR_NOCLEANUP();
}
