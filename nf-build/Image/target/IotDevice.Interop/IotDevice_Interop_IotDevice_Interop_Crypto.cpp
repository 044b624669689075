//
// IotDevice.Interop: Crypto on mbedTLS (our source). README.md, "ESP32 image" and "Device protocols"
// (renewal protocol: proof of possession, keys in NVS as SEC1 "EC PRIVATE KEY" PEM).
//
// Private keys are read from NVS, used and wiped here; none of these methods returns one.
// Randomness: esp_fill_random (the hardware RNG; a true RNG while Wi-Fi/BT runs, see the README threat notes).
//

#include <string.h>

#include <esp_random.h>
#include <nvs.h>

// the configuration ESP-IDF builds its mbedtls component with (as nanoFramework's own
// nf_sys_sec_cryptography.h does for ESP32): structure layouts must match the library
#if !defined(MBEDTLS_CONFIG_FILE)
#define MBEDTLS_CONFIG_FILE "mbedtls/esp_config.h"
#endif

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_csr.h>

#include "iotdevice_interop_common.h"

// Incremental SHA-256: handle = index + 1.
#define IOTDEVICE_SHA256_CONTEXTS 2
static mbedtls_sha256_context s_sha256[IOTDEVICE_SHA256_CONTEXTS];
static bool s_sha256InUse[IOTDEVICE_SHA256_CONTEXTS];

// A SEC1 PEM of a P-256 key is about 230 bytes; DER CSRs and signatures are far below these sizes.
#define IOTDEVICE_KEY_PEM_MAX 512
#define IOTDEVICE_CSR_DER_MAX 512
#define IOTDEVICE_SIGNATURE_MAX MBEDTLS_ECDSA_MAX_LEN

static int IotDevice_Random(void *context, unsigned char *output, size_t length)
{
    (void)context;
    esp_fill_random(output, length);
    return 0;
}

static mbedtls_sha256_context *Sha256Context(CLR_UINT32 handle)
{
    if (handle == 0 || handle > IOTDEVICE_SHA256_CONTEXTS || !s_sha256InUse[handle - 1])
    {
        return NULL;
    }

    return &s_sha256[handle - 1];
}

// Loads the private key stored under keyName (SEC1 PEM) into pk; returns 0, an esp_err_t or an mbedTLS error.
static int LoadKey(nvs_handle_t nvs, const char *keyName, mbedtls_pk_context *pk)
{
    char pem[IOTDEVICE_KEY_PEM_MAX];
    size_t length = sizeof(pem);
    int error = nvs_get_str(nvs, keyName, pem, &length);

    if (error == ESP_OK)
    {
        // length includes the terminator, which mbedtls_pk_parse_key needs for PEM input
        error = mbedtls_pk_parse_key(pk, (const unsigned char *)pem, length, NULL, 0, IotDevice_Random, NULL);

        if (error == 0 && (!mbedtls_pk_can_do(pk, MBEDTLS_PK_ECKEY) ||
                           mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(*pk)) != MBEDTLS_ECP_DP_SECP256R1))
        {
            error = MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
        }
    }

    mbedtls_platform_zeroize(pem, sizeof(pem));
    return error;
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Crypto::Sha256Begin___STATIC__U4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    CLR_UINT32 handle = 0;

    for (int i = 0; i < IOTDEVICE_SHA256_CONTEXTS; i++)
    {
        if (!s_sha256InUse[i])
        {
            mbedtls_sha256_init(&s_sha256[i]);

            if (mbedtls_sha256_starts(&s_sha256[i], 0) == 0)
            {
                s_sha256InUse[i] = true;
                handle = (CLR_UINT32)i + 1;
            }
            else
            {
                mbedtls_sha256_free(&s_sha256[i]);
            }

            break;
        }
    }

    IotDevice_SetLastError(handle == 0 ? ESP_ERR_NO_MEM : ESP_OK);
    stack.SetResult_U4(handle);

    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Crypto::Sha256Update___STATIC__I4__U4__SZARRAY_U1__I4__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    mbedtls_sha256_context *context;
    CLR_RT_HeapBlock_Array *data;
    int32_t offset;
    int32_t count;

    context = Sha256Context(stack.Arg0().NumericByRef().u4);
    data = stack.Arg1().DereferenceArray();
    FAULT_ON_NULL_ARG(data);
    offset = stack.Arg2().NumericByRef().s4;
    count = stack.Arg3().NumericByRef().s4;

    if (!IotDevice_RangeOk(data, offset, count))
    {
        NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
    }

    IotDevice_SetLastError(
        context == NULL ? ESP_ERR_INVALID_ARG : mbedtls_sha256_update(context, data->GetElement(offset), (size_t)count));
    stack.SetResult_I4(g_IotDevice_LastError);

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Crypto::Sha256Finish___STATIC__SZARRAY_U1__U4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    CLR_UINT32 handle = stack.Arg0().NumericByRef().u4;
    mbedtls_sha256_context *context = Sha256Context(handle);
    unsigned char digest[32];
    int error;

    if (context == NULL)
    {
        IotDevice_SetLastError(ESP_ERR_INVALID_ARG);
        stack.SetResult_Object(NULL);
        NANOCLR_SET_AND_LEAVE(S_OK);
    }

    error = mbedtls_sha256_finish(context, digest);
    mbedtls_sha256_free(context);
    s_sha256InUse[handle - 1] = false;
    IotDevice_SetLastError(error);

    if (error != 0)
    {
        stack.SetResult_Object(NULL);
        NANOCLR_SET_AND_LEAVE(S_OK);
    }

    NANOCLR_SET_AND_LEAVE(IotDevice_ReturnBytes(stack, digest, sizeof(digest)));

    NANOCLR_NOCLEANUP();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Crypto::VerifyP256___STATIC__I4__SZARRAY_U1__SZARRAY_U1__I4__I4__SZARRAY_U1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    CLR_RT_HeapBlock_Array *publicKey;
    CLR_RT_HeapBlock_Array *data;
    int32_t offset;
    int32_t count;
    CLR_RT_HeapBlock_Array *signature;
    mbedtls_pk_context pk;
    unsigned char hash[32];
    int error;

    mbedtls_pk_init(&pk);

    publicKey = stack.Arg0().DereferenceArray();
    FAULT_ON_NULL_ARG(publicKey);
    data = stack.Arg1().DereferenceArray();
    FAULT_ON_NULL_ARG(data);
    offset = stack.Arg2().NumericByRef().s4;
    count = stack.Arg3().NumericByRef().s4;
    signature = stack.Arg4().DereferenceArray();
    FAULT_ON_NULL_ARG(signature);

    if (!IotDevice_RangeOk(data, offset, count))
    {
        NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
    }

    // DER SubjectPublicKeyInfo; only an EC key on P-256 is accepted
    error = mbedtls_pk_parse_public_key(&pk, publicKey->GetFirstElement(), publicKey->m_numOfElements);

    if (error == 0 && (!mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECKEY) ||
                       mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(pk)) != MBEDTLS_ECP_DP_SECP256R1))
    {
        error = MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
    }

    if (error == 0)
    {
        error = mbedtls_sha256(data->GetElement(offset), (size_t)count, hash, 0);
    }

    if (error == 0)
    {
        // the DER Ecdsa-Sig-Value; mbedTLS refuses trailing bytes (the managed side also checks strict DER)
        error = mbedtls_pk_verify(
            &pk,
            MBEDTLS_MD_SHA256,
            hash,
            sizeof(hash),
            signature->GetFirstElement(),
            signature->m_numOfElements);
    }

    IotDevice_SetLastError(error);
    stack.SetResult_I4(error);

    NANOCLR_CLEANUP();

    mbedtls_pk_free(&pk);

    NANOCLR_CLEANUP_END();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Crypto::GenerateKey___STATIC__I4__U4__STRING(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    nvs_handle_t nvs;
    const char *keyName;
    mbedtls_pk_context pk;
    unsigned char pem[IOTDEVICE_KEY_PEM_MAX];
    int error;

    mbedtls_pk_init(&pk);
    memset(pem, 0, sizeof(pem));

    nvs = (nvs_handle_t)stack.Arg0().NumericByRef().u4;
    keyName = stack.Arg1().RecoverString();
    FAULT_ON_NULL_ARG(keyName);

    error = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));

    if (error == 0)
    {
        error = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), IotDevice_Random, NULL);
    }

    if (error == 0)
    {
        // SEC1 "EC PRIVATE KEY" PEM, NUL-terminated (needs CONFIG_MBEDTLS_PEM_WRITE_C)
        error = mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem));
    }

    if (error == 0)
    {
        error = nvs_set_str(nvs, keyName, (const char *)pem);
    }

    if (error == 0)
    {
        error = nvs_commit(nvs);
    }

    IotDevice_SetLastError(error);
    stack.SetResult_I4(error);

    NANOCLR_CLEANUP();

    mbedtls_platform_zeroize(pem, sizeof(pem));
    mbedtls_pk_free(&pk);

    NANOCLR_CLEANUP_END();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Crypto::PublicKey___STATIC__SZARRAY_U1__U4__STRING(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    nvs_handle_t nvs;
    const char *keyName;
    mbedtls_pk_context pk;
    unsigned char point[MBEDTLS_ECP_MAX_PT_LEN];
    size_t length = 0;
    int error;

    mbedtls_pk_init(&pk);

    nvs = (nvs_handle_t)stack.Arg0().NumericByRef().u4;
    keyName = stack.Arg1().RecoverString();
    FAULT_ON_NULL_ARG(keyName);

    error = LoadKey(nvs, keyName, &pk);

    if (error == 0)
    {
        error = mbedtls_ecp_write_public_key(
            mbedtls_pk_ec(pk),
            MBEDTLS_ECP_PF_UNCOMPRESSED,
            &length,
            point,
            sizeof(point));
    }

    IotDevice_SetLastError(error);

    if (error != 0)
    {
        stack.SetResult_Object(NULL);
        NANOCLR_SET_AND_LEAVE(S_OK);
    }

    NANOCLR_SET_AND_LEAVE(IotDevice_ReturnBytes(stack, point, length));

    NANOCLR_CLEANUP();

    mbedtls_pk_free(&pk);

    NANOCLR_CLEANUP_END();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Crypto::CreateCsr___STATIC__SZARRAY_U1__U4__STRING__STRING(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    nvs_handle_t nvs;
    const char *keyName;
    const char *commonName;
    mbedtls_pk_context pk;
    mbedtls_x509write_csr csr;
    char subject[3 + 64 + 1];
    unsigned char der[IOTDEVICE_CSR_DER_MAX];
    int length = 0;
    int error = 0;
    size_t nameLength = 0;

    mbedtls_pk_init(&pk);
    mbedtls_x509write_csr_init(&csr);

    nvs = (nvs_handle_t)stack.Arg0().NumericByRef().u4;
    keyName = stack.Arg1().RecoverString();
    FAULT_ON_NULL_ARG(keyName);
    commonName = stack.Arg2().RecoverString();
    FAULT_ON_NULL_ARG(commonName);

    // device ids are a-z, 0-9 and '-', 1..64 characters here (README, "Device protocols"): nothing mbedTLS'
    // subject parser would read as a separator or escape (nanoCLR forbids strlen/strcpy: counted by hand)
    for (const char *c = commonName; *c != '\0'; c++)
    {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
        {
            error = MBEDTLS_ERR_X509_BAD_INPUT_DATA;
        }

        nameLength++;
    }

    if (nameLength == 0 || nameLength > 64)
    {
        error = MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    }

    if (error == 0)
    {
        error = LoadKey(nvs, keyName, &pk);
    }

    if (error == 0)
    {
        memcpy(subject, "CN=", 3);
        memcpy(subject + 3, commonName, nameLength);
        subject[3 + nameLength] = '\0';
        error = mbedtls_x509write_csr_set_subject_name(&csr, subject);
    }

    if (error == 0)
    {
        mbedtls_x509write_csr_set_key(&csr, &pk);
        mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);

        // writes at the END of the buffer and returns the length
        length = mbedtls_x509write_csr_der(&csr, der, sizeof(der), IotDevice_Random, NULL);
        error = length < 0 ? length : 0;
    }

    IotDevice_SetLastError(error);

    if (error != 0)
    {
        stack.SetResult_Object(NULL);
        NANOCLR_SET_AND_LEAVE(S_OK);
    }

    NANOCLR_SET_AND_LEAVE(IotDevice_ReturnBytes(stack, der + sizeof(der) - length, (size_t)length));

    NANOCLR_CLEANUP();

    mbedtls_x509write_csr_free(&csr);
    mbedtls_pk_free(&pk);

    NANOCLR_CLEANUP_END();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Crypto::Sign___STATIC__SZARRAY_U1__U4__STRING__SZARRAY_U1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    nvs_handle_t nvs;
    const char *keyName;
    CLR_RT_HeapBlock_Array *message;
    mbedtls_pk_context pk;
    unsigned char hash[32];
    unsigned char signature[IOTDEVICE_SIGNATURE_MAX];
    size_t length = 0;
    int error;

    mbedtls_pk_init(&pk);

    nvs = (nvs_handle_t)stack.Arg0().NumericByRef().u4;
    keyName = stack.Arg1().RecoverString();
    FAULT_ON_NULL_ARG(keyName);
    message = stack.Arg2().DereferenceArray();
    FAULT_ON_NULL_ARG(message);

    error = LoadKey(nvs, keyName, &pk);

    if (error == 0)
    {
        error = mbedtls_sha256(message->GetFirstElement(), message->m_numOfElements, hash, 0);
    }

    if (error == 0)
    {
        // DER Ecdsa-Sig-Value (RFC 3279), what the renewal service expects
        error = mbedtls_pk_sign(
            &pk,
            MBEDTLS_MD_SHA256,
            hash,
            sizeof(hash),
            signature,
            sizeof(signature),
            &length,
            IotDevice_Random,
            NULL);
    }

    IotDevice_SetLastError(error);

    if (error != 0)
    {
        stack.SetResult_Object(NULL);
        NANOCLR_SET_AND_LEAVE(S_OK);
    }

    NANOCLR_SET_AND_LEAVE(IotDevice_ReturnBytes(stack, signature, length));

    NANOCLR_CLEANUP();

    mbedtls_pk_free(&pk);

    NANOCLR_CLEANUP_END();
}

HRESULT Library_IotDevice_Interop_IotDevice_Interop_Crypto::FillRandom___STATIC__VOID__SZARRAY_U1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();

    CLR_RT_HeapBlock_Array *buffer = stack.Arg0().DereferenceArray();
    FAULT_ON_NULL_ARG(buffer);

    // the hardware RNG; a true RNG while Wi-Fi or Bluetooth runs (the firmware starts Wi-Fi first)
    esp_fill_random(buffer->GetFirstElement(), buffer->m_numOfElements);
    IotDevice_SetLastError(ESP_OK);

    NANOCLR_NOCLEANUP();
}
