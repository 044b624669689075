//
// IotDevice.Interop: native side of Firmware/Interop (our source, laid out as nanoFramework's metadata
// processor lays out interop stubs: <Assembly>.h/.cpp, one Library_<Assembly>_<Class> struct per class).
// README.md, "ESP32 image".
//

#ifndef IOTDEVICE_INTEROP_H
#define IOTDEVICE_INTEROP_H

#include <nanoCLR_Interop.h>
#include <nanoCLR_Runtime.h>
#include <nanoPackStruct.h>

struct Library_IotDevice_Interop_IotDevice_Interop_Crypto
{
    NANOCLR_NATIVE_DECLARE(Sha256Begin___STATIC__U4);
    NANOCLR_NATIVE_DECLARE(Sha256Update___STATIC__I4__U4__SZARRAY_U1__I4__I4);
    NANOCLR_NATIVE_DECLARE(Sha256Finish___STATIC__SZARRAY_U1__U4);
    NANOCLR_NATIVE_DECLARE(VerifyP256___STATIC__I4__SZARRAY_U1__SZARRAY_U1__I4__I4__SZARRAY_U1);
    NANOCLR_NATIVE_DECLARE(GenerateKey___STATIC__I4__U4__STRING);
    NANOCLR_NATIVE_DECLARE(PublicKey___STATIC__SZARRAY_U1__U4__STRING);
    NANOCLR_NATIVE_DECLARE(CreateCsr___STATIC__SZARRAY_U1__U4__STRING__STRING);
    NANOCLR_NATIVE_DECLARE(Sign___STATIC__SZARRAY_U1__U4__STRING__SZARRAY_U1);
    NANOCLR_NATIVE_DECLARE(FillRandom___STATIC__VOID__SZARRAY_U1);

    //--//
};

struct Library_IotDevice_Interop_IotDevice_Interop_DeviceId
{
    NANOCLR_NATIVE_DECLARE(BaseMac___STATIC__SZARRAY_U1);

    //--//
};

struct Library_IotDevice_Interop_IotDevice_Interop_EspError
{
    NANOCLR_NATIVE_DECLARE(Last___STATIC__I4);
    NANOCLR_NATIVE_DECLARE(Name___STATIC__STRING__I4);

    //--//
};

struct Library_IotDevice_Interop_IotDevice_Interop_Nvs
{
    NANOCLR_NATIVE_DECLARE(Open___STATIC__U4__STRING__BOOLEAN);
    NANOCLR_NATIVE_DECLARE(Close___STATIC__VOID__U4);
    NANOCLR_NATIVE_DECLARE(GetString___STATIC__STRING__U4__STRING);
    NANOCLR_NATIVE_DECLARE(SetString___STATIC__I4__U4__STRING__STRING);
    NANOCLR_NATIVE_DECLARE(GetBlob___STATIC__SZARRAY_U1__U4__STRING);
    NANOCLR_NATIVE_DECLARE(SetBlob___STATIC__I4__U4__STRING__SZARRAY_U1);
    NANOCLR_NATIVE_DECLARE(EraseKey___STATIC__I4__U4__STRING);
    NANOCLR_NATIVE_DECLARE(Commit___STATIC__I4__U4);

    //--//
};

struct Library_IotDevice_Interop_IotDevice_Interop_Ota
{
    NANOCLR_NATIVE_DECLARE(RunningSlot___STATIC__I4);
    NANOCLR_NATIVE_DECLARE(NextSlot___STATIC__I4);
    NANOCLR_NATIVE_DECLARE(BeginApp___STATIC__U4__I4__I4);
    NANOCLR_NATIVE_DECLARE(WriteApp___STATIC__I4__U4__SZARRAY_U1__I4__I4);
    NANOCLR_NATIVE_DECLARE(EndApp___STATIC__I4__U4);
    NANOCLR_NATIVE_DECLARE(AbortApp___STATIC__I4__U4);
    NANOCLR_NATIVE_DECLARE(EraseDeploy___STATIC__I4__I4__I4__I4);
    NANOCLR_NATIVE_DECLARE(WriteDeploy___STATIC__I4__I4__I4__SZARRAY_U1__I4__I4);
    NANOCLR_NATIVE_DECLARE(ReadDeploy___STATIC__SZARRAY_U1__I4__I4__I4);
    NANOCLR_NATIVE_DECLARE(SetBootSlot___STATIC__I4__I4);
    NANOCLR_NATIVE_DECLARE(MarkValid___STATIC__I4);
    NANOCLR_NATIVE_DECLARE(MarkInvalidAndReboot___STATIC__I4);
    NANOCLR_NATIVE_DECLARE(RunningImageState___STATIC__I4);
    NANOCLR_NATIVE_DECLARE(AppVersion___STATIC__STRING__I4);
    NANOCLR_NATIVE_DECLARE(AppSecureVersion___STATIC__I4__I4);
    NANOCLR_NATIVE_DECLARE(ResumeApp___STATIC__U4__I4__I4__I4);
    NANOCLR_NATIVE_DECLARE(ReadApp___STATIC__SZARRAY_U1__I4__I4__I4);
    NANOCLR_NATIVE_DECLARE(AppSlotSize___STATIC__I4__I4);
    NANOCLR_NATIVE_DECLARE(DeploySlotSize___STATIC__I4__I4);
    NANOCLR_NATIVE_DECLARE(AppBuildTime___STATIC__STRING__I4);

    //--//
};

struct Library_IotDevice_Interop_IotDevice_Interop_Security
{
    NANOCLR_NATIVE_DECLARE(FlashEncryptionMode___STATIC__I4);
    NANOCLR_NATIVE_DECLARE(SecureBootEnabled___STATIC__BOOLEAN);
    NANOCLR_NATIVE_DECLARE(EfuseSecureVersion___STATIC__I4);

    //--//
};

struct Library_IotDevice_Interop_IotDevice_Interop_TaskWatchdog
{
    NANOCLR_NATIVE_DECLARE(Start___STATIC__I4__I4);
    NANOCLR_NATIVE_DECLARE(Feed___STATIC__I4);

    //--//
};

extern const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_IotDevice_Interop;

#endif // IOTDEVICE_INTEROP_H
