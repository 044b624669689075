#
# IotDevice.Interop: our interop assembly for nanoCLR on ESP32 (our source, in the form of the CMake module
# nanoFramework's metadata processor writes for an interop assembly). `nf-build image config` writes it to
# <out>/CMake/Modules/; copy it into <nf-interpreter>/CMake/Modules/ and build with
# -DNF_INTEROP_ASSEMBLIES=IotDevice.Interop (CMake/Modules/FindNF_NativeAssemblies.cmake ParseInteropAssemblies
# then runs find_package(INTEROP-IotDevice.Interop)). README.md, "ESP32 image".
#

# native code directory (the upstream convention for interop assemblies)
set(BASE_PATH_FOR_THIS_MODULE ${PROJECT_SOURCE_DIR}/InteropAssemblies/IotDevice.Interop)

# set include directories
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/CLR/Core)
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/CLR/Include)
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/HAL/Include)
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/PAL/Include)
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${BASE_PATH_FOR_THIS_MODULE})

# ESP-IDF headers nanoFramework's FindESP32_IDF.cmake does not list (esp_ota_ops.h, esp_flash_encrypt.h,
# esp_secure_boot.h, esp_efuse.h, esp_app_desc.h)
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${IDF_PATH_CMAKED}/components/app_update/include)
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${IDF_PATH_CMAKED}/components/bootloader_support/include)
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${IDF_PATH_CMAKED}/components/efuse/include)
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${IDF_PATH_CMAKED}/components/efuse/${TARGET_SERIES_SHORT}/include)
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${IDF_PATH_CMAKED}/components/esp_app_format/include)
list(APPEND IotDevice.Interop_INCLUDE_DIRS ${IDF_PATH_CMAKED}/components/esp_bootloader_format/include)

# source files
set(IotDevice.Interop_SRCS

    IotDevice_Interop.cpp
    IotDevice_Interop_IotDevice_Interop_Crypto.cpp
    IotDevice_Interop_IotDevice_Interop_DeviceId.cpp
    IotDevice_Interop_IotDevice_Interop_EspError.cpp
    IotDevice_Interop_IotDevice_Interop_Nvs.cpp
    IotDevice_Interop_IotDevice_Interop_Ota.cpp
    IotDevice_Interop_IotDevice_Interop_Security.cpp
    IotDevice_Interop_IotDevice_Interop_TaskWatchdog.cpp
    iotdevice_ab_partitions.c
)

foreach(SRC_FILE ${IotDevice.Interop_SRCS})

    set(IotDevice.Interop_SRC_FILE SRC_FILE-NOTFOUND)

    find_file(IotDevice.Interop_SRC_FILE ${SRC_FILE}
        PATHS
            ${BASE_PATH_FOR_THIS_MODULE}

        CMAKE_FIND_ROOT_PATH_BOTH
    )

    if(NOT IotDevice.Interop_SRC_FILE)
        message(FATAL_ERROR "IotDevice.Interop: ${SRC_FILE} not found in ${BASE_PATH_FOR_THIS_MODULE}")
    endif()

    list(APPEND IotDevice.Interop_SOURCES ${IotDevice.Interop_SRC_FILE})

endforeach()

# The A/B pairing (iotdevice_ab_partitions.c): nanoFramework's two block-storage partition lookups,
# FixUpBlockRegionInfo() and Esp32FlashDriver_InitializeDevice(), call iotdevice_partition_find_first
# instead of esp_partition_find_first. A per-source compile definition on those two files of the nanoCLR
# target, set from here: no upstream file is edited, nothing else is renamed (ESP-IDF's own calls and ours
# still reach esp_partition_find_first).
set_property(
    SOURCE
        ${PROJECT_SOURCE_DIR}/targets/ESP32/_common/Device_BlockStorage.c
        ${PROJECT_SOURCE_DIR}/targets/ESP32/_common/Target_BlockStorage_ESP32FlashDriver.c
    TARGET_DIRECTORY ${NANOCLR_PROJECT_NAME}.elf
    APPEND PROPERTY COMPILE_DEFINITIONS "esp_partition_find_first=iotdevice_partition_find_first")

include(FindPackageHandleStandardArgs)

FIND_PACKAGE_HANDLE_STANDARD_ARGS(IotDevice.Interop DEFAULT_MSG IotDevice.Interop_INCLUDE_DIRS IotDevice.Interop_SOURCES)
