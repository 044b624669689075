//
// IotDevice.Interop: TaskWatchdog (our source). README.md, "ESP32 image".
//
// nanoFramework's ESP32 defaults leave the task watchdog uninitialised (CONFIG_ESP_TASK_WDT_INIT=n in
// targets/ESP32/_IDF/sdkconfig.default_nopsram.esp32); the component is still built (CONFIG_ESP_TASK_WDT_EN,
// ESP-IDF's default). Every managed thread runs on nanoCLR's one FreeRTOS task, which Start subscribes: if the
// firmware's main loop stops feeding it (a hung native call, a dead loop), the TWDT panics and the chip resets.
//

#include <esp_task_wdt.h>

#include "iotdevice_interop_common.h"

HRESULT Library_IotDevice_Interop_IotDevice_Interop_TaskWatchdog::Start___STATIC__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    int32_t timeoutMs = stack.Arg0().NumericByRef().s4;
    esp_err_t error;

    if (timeoutMs <= 0)
    {
        error = ESP_ERR_INVALID_ARG;
    }
    else
    {
        // no idle task: nanoCLR's task may legitimately keep its core busy for longer than the idle tasks tolerate
        esp_task_wdt_config_t config = {};
        config.timeout_ms = (uint32_t)timeoutMs;
        config.idle_core_mask = 0;
        config.trigger_panic = true;

        error = esp_task_wdt_init(&config);

        if (error == ESP_ERR_INVALID_STATE)
        {
            // already initialised (a managed restart, or a configuration that starts it): apply our timeout
            error = esp_task_wdt_reconfigure(&config);
        }

        if (error == ESP_OK)
        {
            // NULL = the calling task, nanoCLR's; ESP_ERR_INVALID_ARG when it is already subscribed
            error = esp_task_wdt_add(NULL);

            if (error == ESP_ERR_INVALID_ARG && esp_task_wdt_status(NULL) == ESP_OK)
            {
                error = ESP_OK;
            }
        }
    }

    IotDevice_SetLastError(error);
    stack.SetResult_I4(error);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_TaskWatchdog::Feed___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    IotDevice_SetLastError(esp_task_wdt_reset());
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP_NOLABEL();
}
