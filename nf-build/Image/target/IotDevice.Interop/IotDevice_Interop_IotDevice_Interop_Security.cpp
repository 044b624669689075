//
// IotDevice.Interop: Security (our source). README.md, "ESP32 image" (threat notes).
//

#include <esp_efuse.h>
#include <esp_flash_encrypt.h>
#include <esp_secure_boot.h>

#include "iotdevice_interop_common.h"

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Security::FlashEncryptionMode___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    // ESP_FLASH_ENC_MODE_DISABLED 0, _DEVELOPMENT 1, _RELEASE 2
    stack.SetResult_I4((int32_t)esp_get_flash_encryption_mode());

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Security::SecureBootEnabled___STATIC__BOOLEAN(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    stack.SetResult_Boolean(esp_secure_boot_enabled());

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Security::EfuseSecureVersion___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    stack.SetResult_I4((int32_t)esp_efuse_read_secure_version());

    NANOCLR_NOCLEANUP_NOLABEL();
}
