//
// IotDevice: the A/B pairing of app slot ota_N with its managed-code partition deploy_N.
// Our own source (not nanoFramework's). README.md, "ESP32 image".
//
// Stock nanoCLR (nf-interpreter targets/ESP32/_common/Device_BlockStorage.c FixUpBlockRegionInfo() and
// targets/ESP32/_common/Target_BlockStorage_ESP32FlashDriver.c Esp32FlashDriver_InitializeDevice()) takes
// the first app partition of subtype factory as its CODE region and the first data partition of subtype
// 0x84 as its DEPLOYMENT region. Our table has no factory partition and two 0x84 partitions, so stock
// nanoCLR would find no CODE region and always run deploy_0's assemblies, whichever slot booted.
//

#include <stdio.h>
#include <string.h>

#include <esp_log.h>
#include <esp_ota_ops.h>
#include <esp_partition.h>

#include "iotdevice_ab_partitions.h"

static const char *TAG = "iotdev_ab";

int iotdevice_slot_of(const esp_partition_t *app)
{
    if (app == NULL || app->type != ESP_PARTITION_TYPE_APP)
    {
        return -1;
    }

    if (app->subtype < ESP_PARTITION_SUBTYPE_APP_OTA_MIN || app->subtype >= ESP_PARTITION_SUBTYPE_APP_OTA_MAX)
    {
        return -1;
    }

    return (int)(app->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_MIN);
}

const esp_partition_t *iotdevice_app_partition(int slot)
{
    if (slot < 0 || slot >= IOTDEVICE_SLOT_COUNT)
    {
        return NULL;
    }

    return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(slot), NULL);
}

const esp_partition_t *iotdevice_deploy_partition(int slot)
{
    char label[sizeof(((esp_partition_t *)0)->label)];

    if (slot < 0 || slot >= IOTDEVICE_SLOT_COUNT)
    {
        return NULL;
    }

    snprintf(label, sizeof(label), "deploy_%d", slot);

    return esp_partition_find_first(ESP_PARTITION_TYPE_DATA, IOTDEVICE_SUBTYPE_DATA_DEPLOY, label);
}

const esp_partition_t *iotdevice_partition_find_first(
    esp_partition_type_t type,
    esp_partition_subtype_t subtype,
    const char *label)
{
    if (label == NULL)
    {
        if (type == ESP_PARTITION_TYPE_APP && subtype == ESP_PARTITION_SUBTYPE_APP_FACTORY)
        {
            // the CODE region: the image that is running, whichever ota_N it is
            return esp_ota_get_running_partition();
        }

        if (type == ESP_PARTITION_TYPE_DATA && subtype == IOTDEVICE_SUBTYPE_DATA_DEPLOY)
        {
            int slot = iotdevice_slot_of(esp_ota_get_running_partition());
            const esp_partition_t *deploy = iotdevice_deploy_partition(slot);

            if (deploy == NULL)
            {
                ESP_LOGE(TAG, "no deploy partition paired with the running app (slot %d)", slot);
            }

            return deploy;
        }
    }

    return esp_partition_find_first(type, subtype, label);
}
