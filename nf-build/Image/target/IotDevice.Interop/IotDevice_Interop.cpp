//
// IotDevice.Interop: the method table and native assembly declaration.
//
// ORDER: nanoFramework's metadata processor lists every method of every type of the managed assembly, types
// ordered by full name (our classes have no bodies, so no usage reordering applies), methods in declaration
// order, NULL for methods without a native implementation (ours has none). The checksum is the processor's
// NativeMethodsCrc over these names; the managed assembly carries the same value, and nanoCLR refuses to bind
// the assembly when they differ. NfBuild.Tests/Image/InteropTableTests recomputes both from the C# declarations.
//

#include "IotDevice_Interop.h"

// clang-format off

static const CLR_RT_MethodHandler method_lookup[] =
{
    Library_IotDevice_Interop_IotDevice_Interop_Crypto::Sha256Begin___STATIC__U4,
    Library_IotDevice_Interop_IotDevice_Interop_Crypto::Sha256Update___STATIC__I4__U4__SZARRAY_U1__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Crypto::Sha256Finish___STATIC__SZARRAY_U1__U4,
    Library_IotDevice_Interop_IotDevice_Interop_Crypto::VerifyP256___STATIC__I4__SZARRAY_U1__SZARRAY_U1__I4__I4__SZARRAY_U1,
    Library_IotDevice_Interop_IotDevice_Interop_Crypto::GenerateKey___STATIC__I4__U4__STRING,
    Library_IotDevice_Interop_IotDevice_Interop_Crypto::PublicKey___STATIC__SZARRAY_U1__U4__STRING,
    Library_IotDevice_Interop_IotDevice_Interop_Crypto::CreateCsr___STATIC__SZARRAY_U1__U4__STRING__STRING,
    Library_IotDevice_Interop_IotDevice_Interop_Crypto::Sign___STATIC__SZARRAY_U1__U4__STRING__SZARRAY_U1,
    Library_IotDevice_Interop_IotDevice_Interop_Crypto::FillRandom___STATIC__VOID__SZARRAY_U1,
    Library_IotDevice_Interop_IotDevice_Interop_DeviceId::BaseMac___STATIC__SZARRAY_U1,
    Library_IotDevice_Interop_IotDevice_Interop_EspError::Last___STATIC__I4,
    Library_IotDevice_Interop_IotDevice_Interop_EspError::Name___STATIC__STRING__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Nvs::Open___STATIC__U4__STRING__BOOLEAN,
    Library_IotDevice_Interop_IotDevice_Interop_Nvs::Close___STATIC__VOID__U4,
    Library_IotDevice_Interop_IotDevice_Interop_Nvs::GetString___STATIC__STRING__U4__STRING,
    Library_IotDevice_Interop_IotDevice_Interop_Nvs::SetString___STATIC__I4__U4__STRING__STRING,
    Library_IotDevice_Interop_IotDevice_Interop_Nvs::GetBlob___STATIC__SZARRAY_U1__U4__STRING,
    Library_IotDevice_Interop_IotDevice_Interop_Nvs::SetBlob___STATIC__I4__U4__STRING__SZARRAY_U1,
    Library_IotDevice_Interop_IotDevice_Interop_Nvs::EraseKey___STATIC__I4__U4__STRING,
    Library_IotDevice_Interop_IotDevice_Interop_Nvs::Commit___STATIC__I4__U4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::RunningSlot___STATIC__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::NextSlot___STATIC__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::BeginApp___STATIC__U4__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::WriteApp___STATIC__I4__U4__SZARRAY_U1__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::EndApp___STATIC__I4__U4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::AbortApp___STATIC__I4__U4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::EraseDeploy___STATIC__I4__I4__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::WriteDeploy___STATIC__I4__I4__I4__SZARRAY_U1__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::ReadDeploy___STATIC__SZARRAY_U1__I4__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::SetBootSlot___STATIC__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::MarkValid___STATIC__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::MarkInvalidAndReboot___STATIC__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::RunningImageState___STATIC__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::AppVersion___STATIC__STRING__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::AppSecureVersion___STATIC__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::ResumeApp___STATIC__U4__I4__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::ReadApp___STATIC__SZARRAY_U1__I4__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::AppSlotSize___STATIC__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::DeploySlotSize___STATIC__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Ota::AppBuildTime___STATIC__STRING__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Security::FlashEncryptionMode___STATIC__I4,
    Library_IotDevice_Interop_IotDevice_Interop_Security::SecureBootEnabled___STATIC__BOOLEAN,
    Library_IotDevice_Interop_IotDevice_Interop_Security::EfuseSecureVersion___STATIC__I4,
    Library_IotDevice_Interop_IotDevice_Interop_TaskWatchdog::Start___STATIC__I4__I4,
    Library_IotDevice_Interop_IotDevice_Interop_TaskWatchdog::Feed___STATIC__I4,
};

const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_IotDevice_Interop =
{
    "IotDevice.Interop",
    0x104CB560,
    method_lookup,
    { 1, 1, 0, 0 }
};

// clang-format on
