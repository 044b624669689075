//
// IotDevice: the A/B pairing of app slot ota_N with its managed-code partition deploy_N.
// Our own source (not nanoFramework's). README.md, "ESP32 image".
//

#ifndef IOTDEVICE_AB_PARTITIONS_H
#define IOTDEVICE_AB_PARTITIONS_H

#include <esp_partition.h>

#ifdef __cplusplus
extern "C" {
#endif

// nanoFramework's deployment partition subtype (targets/ESP32/_include/Target_BlockStorage_Esp32FlashDriver.h:
// ESP_PARTITION_SUBTYPE_DATA_NANOCLR). Repeated here so this file needs no nanoFramework header.
#define IOTDEVICE_SUBTYPE_DATA_DEPLOY ((esp_partition_subtype_t)0x84)

// Number of A/B slots in partitions.csv (ota_0/deploy_0, ota_1/deploy_1).
#define IOTDEVICE_SLOT_COUNT 2

// N of an ota_N app partition, or -1 (NULL, not an app, factory/test).
int iotdevice_slot_of(const esp_partition_t *app);

// The app partition ota_N, or NULL.
const esp_partition_t *iotdevice_app_partition(int slot);

// The data partition labelled "deploy_N" with nanoFramework's subtype 0x84, or NULL.
const esp_partition_t *iotdevice_deploy_partition(int slot);

// Replaces esp_partition_find_first in nanoFramework's two block-storage lookups (and only there: the
// FindINTEROP-IotDevice.Interop.cmake module renames the call in those two source files with a
// per-source compile definition):
//   (APP, FACTORY, NULL)  -> the running app partition (esp_ota_get_running_partition): the CODE region;
//   (DATA, 0x84, NULL)    -> deploy_N paired with the running ota_N: the DEPLOYMENT region, or NULL when the
//                            running image is not in an ota_N slot or deploy_N is missing (nanoCLR then
//                            starts without managed code rather than running the other slot's assemblies);
//   anything else         -> esp_partition_find_first unchanged.
const esp_partition_t *iotdevice_partition_find_first(
    esp_partition_type_t type,
    esp_partition_subtype_t subtype,
    const char *label);

#ifdef __cplusplus
}
#endif

#endif // IOTDEVICE_AB_PARTITIONS_H
