"""What the tests expect, written once each, with the document it comes from.

Tests compare what the code does with these facts, never with the code's own constants: a constant changed in
restore_integration.py, warroom/export.py or the QuarantineRestoreSummary script then fails a test until the
document named here says the same. tests/test_facts.py checks that the documents in the repository (README.md,
integration.yml, the seeds' tenants) do say each fact written here; the vendor pages themselves are the seeds in
the design notes' `seeds/` (Cortex XDR "Restore File", Huawei Cloud HSS "Restoring Isolated Files").

A code constant may still be used as an *input* (a path to send a request to, a key to seed a context with);
as an *expected value* only what is written here, in a seed, in integration.yml or in the README.
"""
from __future__ import annotations

# --------------------------------------------------------------------------- Cortex XDR

# Action statuses of one endpoint (Cortex XDR "Get Action Status", as the design notes' vendor facts record it;
# integration.yml lists them in CortexXDR.RestoredFile.endpoints.status, the README names the final ones).
# CANCELED, one L, beside the page's CANCELLED: demisto/content's Packs/Core/Integrations/CortexCoreIR/CortexCoreIR.py
# polls get_action_status (CoreIRApiModule's action_status_get_command) for core-terminate-process and
# core-terminate-causality and stops with an error on "FAILED", "TIMEOUT", "ABORTED" or "CANCELED" (values_raise_error).
XDR_RUNNING_STATUSES = ('PENDING', 'IN_PROGRESS', 'PENDING_ABORT')
XDR_FINAL_STATUSES = ('COMPLETED_SUCCESSFULLY', 'COMPLETED_PARTIAL', 'FAILED', 'TIMEOUT', 'CANCELLED', 'CANCELED',
                      'ABORTED', 'EXPIRED')
XDR_SUCCESS_STATUS = 'COMPLETED_SUCCESSFULLY'
XDR_FAILURE_STATUSES = tuple(status for status in XDR_FINAL_STATUSES if status != XDR_SUCCESS_STATUS)

# A file's overall status (integration.yml, CortexXDR.RestoredFile.status): "IN_PROGRESS while any endpoint is
# still running, then COMPLETED_SUCCESSFULLY (every endpoint restored), COMPLETED_WITH_FAILURES (some did not) or
# FAILED (none did)"; failed_count: "endpoints that ended in a status other than COMPLETED_SUCCESSFULLY".
XDR_OUTCOMES = ('IN_PROGRESS', 'COMPLETED_SUCCESSFULLY', 'COMPLETED_WITH_FAILURES', 'FAILED')

# How a record's error begins when a status check's reply could not be read (README, "How `restore-file` behaves":
# a part of a reply that cannot be read becomes error on the record, which says so in these words).
XDR_UNREADABLE_STATUS = 'Cortex XDR answered the status check in a form this integration cannot read'


def xdr_outcome(endpoint_statuses) -> str:
    """The overall status integration.yml promises for a file whose endpoints have these statuses. An endpoint is
    still running until its status is final (the design notes: "A restore is done when every endpoint is final"),
    so a status Cortex XDR may add later counts as running, and so does an action no endpoint has reported on."""
    statuses = list(endpoint_statuses)
    if not statuses or any(status not in XDR_FINAL_STATUSES for status in statuses):
        return 'IN_PROGRESS'
    restored = sum(status == XDR_SUCCESS_STATUS for status in statuses)
    if restored == len(statuses):
        return 'COMPLETED_SUCCESSFULLY'
    return 'FAILED' if restored == 0 else 'COMPLETED_WITH_FAILURES'


# What the message of each Cortex XDR error status speaks of (README, "How restore-file behaves", Errors: "400
# (malformed request), 401 (key, key type or clock), 402 (license), 403 (role permission), 404 (wrong URL), 429
# (rate limit), 500 (Cortex XDR's reason, for example no quarantined copy of the file)").
XDR_ADVICE_WORDS = {
    400: ('malformed',),
    401: ('key', 'key type', 'clock'),
    402: ('license',),
    403: ('role', 'permission'),
    404: ('URL',),
    429: ('rate limit',),
    500: ('quarantined copy',),
}

# The role permissions Cortex XDR's restore needs, as demisto/content's CortexXDR README names them for
# xdr-file-restore ("Action Center --> View/ Edit", "Action Center --> Quarantine"; built-in roles Responder,
# Privileged Responder and Instance Admin). The instance setting's help and the 403 advice must both name them.
XDR_RESTORE_PERMISSIONS = ('Action Center', 'View/Edit', 'Quarantine')

# The licenses the Restore File API requires (the seed, "Required License": "Cortex XDR Prevent or Cortex XDR Pro per
# Endpoint"; docs-cortex's Cortex XDR REST API pages Restore File and Get Action Status now add the third: "Cortex XDR
# Prevent, Cortex XDR Pro per Endpoint, or Cortex XDR Pro per GB"); the 402 advice names these and no other.
XDR_RESTORE_LICENSES = ('Cortex XDR Prevent', 'Cortex XDR Pro per Endpoint', 'Cortex XDR Pro per GB')

# Where Cortex XDR lists the API keys, their ID column and "Copy API URL": docs-cortex's "Get Started with Cortex XDR
# APIs" (Cortex XDR REST API) navigates to Settings > Configurations > Integrations > API Keys; the older console's
# (docs.paloaltonetworks.com's page of that name) had API Keys under Settings itself.
XDR_API_KEYS_PAGES = ('Settings > Configurations > Integrations > API Keys', 'Settings > API Keys')

# Cortex XDR answers every authentication failure (wrong key, unknown key ID, wrong key type, a clock off) with one
# fixed body that never says which check failed: the recorded reply test_data/xdr/replies/error_401.json (the same
# text in Rapid7's Cortex XDR plugin tests and in XSOAR's CortexXDRIR test_module; tests/test_xdr_emulator.py cites
# them). The seed's error table gives a 401 its meaning only ("Unauthorized access ... an incorrect key, id").
XDR_UNAUTHORIZED_BODY = {'reply': {'err_code': 401, 'err_msg': 'Public API request unauthorized', 'err_extra': None}}

# How Cortex XDR writes a file artifact's signature status: with its SIGNATURE_ prefix, as in demisto/content's
# CortexXDRIR test data (test_data/get_incident_extra_data.json and get_multiple_incidents_extra_data.json:
# "SIGNATURE_UNAVAILABLE"; the Cortex XDR incidents Packs/CTFCloud's CortexXDRIRCTF replays: "SIGNATURE_SIGNED"
# for cmd.exe and lsass.exe). No public source found lists every value: the tests hold the samples to the form.
XDR_SIGNATURE_STATUS_PREFIX = 'SIGNATURE_'
# The keys of one file artifact of a Cortex XDR incident as the API gives it (get_incident_extra_data's
# file_artifacts.data): demisto/content Packs/CortexXDR/Integrations/CortexXDRIR/test_data/get_incident_extra_data.json.
# CortexXDRIR writes the rows unchanged to PaloAltoNetworksXDR.Incident.file_artifacts (CortexXDRIR.py,
# get_incident_extra_data_command) and, through its incoming mapper ("XDR File Artifacts": file_artifacts), to the XDR
# File Artifacts field, where drop_field_underscore (CortexXDRIR.py) adds beside each key with an underscore a copy
# without one (alertcount, filesha256, ...) unless Remove legacy incident fields is checked. Newer tenants may add
# keys (the sample reply in CortexXDRIR.py's code also gives low_confidence): a sample may hold more, never fewer.
XDR_FILE_ARTIFACT_KEYS = ('type', 'alert_count', 'is_manual', 'is_malicious', 'is_process', 'file_name', 'file_sha256',
                          'file_signature_status', 'file_signature_vendor_name', 'file_wildfire_verdict')
# How Cortex XDR gives an alert's host addresses: host_ip, one text of addresses joined by ',' (demisto/content
# Packs/CortexXDR/Integrations/CortexXDRIR/test_data/get_incident_extra_data.json: "host_ip": "1.1.1.1."); CortexXDRIR's
# get_incident_extra_data_command adds host_ip_list, that text split on ',' ([] for none), to the same alert objects,
# so the command's Contents (the raw reply) and its context hold both (CortexXDRIR.py: "alert['host_ip_list'] =
# alert.get('host_ip').split(',') if alert.get('host_ip') else []").
XDR_ALERT_HOST_IP_SEPARATOR = ','
# The record xdr-get-incident-extra-data writes to PaloAltoNetworksXDR.Incident: the incident as Cortex XDR gives it
# (these keys in demisto/content Packs/CortexXDR/Integrations/CortexXDRIR/test_data/get_incident_extra_data.json's
# reply.incident), to which get_incident_extra_data_command (CortexXDRIR.py) adds its alerts, network_artifacts and
# file_artifacts ("incident.update({'alerts': ..., 'file_artifacts': ..., 'network_artifacts': ...})"). A sample may
# hold more keys (newer tenants add some), never fewer.
XDR_INCIDENT_RECORD_KEYS = ('incident_id', 'creation_time', 'modification_time', 'detection_time', 'status', 'severity',
                            'description', 'assigned_user_mail', 'assigned_user_pretty_name', 'alert_count',
                            'low_severity_alert_count', 'med_severity_alert_count', 'high_severity_alert_count',
                            'user_count', 'host_count', 'notes', 'resolve_comment', 'manual_severity',
                            'manual_description', 'xdr_url', 'starred', 'alerts', 'network_artifacts', 'file_artifacts')
# How CortexXDRIR names the incidents it fetches (Packs/CortexXDR/Integrations/CortexXDRIR/CortexXDRIR.py,
# fetch_incidents: 'name': f'XDR Incident {incident_id} - {description}'), the description Cortex XDR's own, such as
# "'Local Analysis Malware' generated by XDR Agent detected on host AAAAAA involving user Administrator" (CortexXDRIR's
# test_data/get_incident_extra_data.json) or, for several alerts, "'Suspicious API call from a Tor exit node' along
# with 4 other alerts generated by XDR Analytics BIOC and XDR Analytics involving user svc_dev" (an incident
# CortexXDRIR.py writes out in its code).
XDR_INCIDENT_NAME = 'XDR Incident {incident_id} - {description}'
# ... and when it occurred: the incident's creation_time (ms) as text, to the second (CortexXDRIR.py, fetch_incidents:
# 'occurred': timestamp_to_datestring(raw_incident['creation_time'], TIME_FORMAT + 'Z'), TIME_FORMAT
# "%Y-%m-%dT%H:%M:%S"), set on every incident it fetches.
XDR_OCCURRED_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
# ... and its severity: the Cortex XDR incidents' incoming mapper replaces the incident's severity, low, medium or high,
# with XSOAR's 1, 2 or 3 (demisto/content Packs/CortexXDR/Classifiers/
# classifier-mapper-incoming-PaloAltoNetworks_CortexXDR.json, "severity": replace low 1, medium 2, high 3, for Cortex
# XDR Incident and Cortex XDR Port Scan alike).
XDR_SEVERITY_TO_XSOAR = {'low': 1, 'medium': 2, 'high': 3}

# Where a reputation command writes a file's indicator and its score: Common.File.CONTEXT_PATH and
# Common.DBotScore.CONTEXT_PATH (demisto/content Packs/Base/Scripts/CommonServerPython/CommonServerPython.py), each a
# list, as CommandResults.to_context appends every indicator's context to one ("outputs[key].append(value)"); VirusTotal
# (API v3)'s file command returns CommandResults(indicator=file_indicator, ...) (Packs/VirusTotal/Integrations/
# VirusTotalV3/VirusTotalV3.py, build_file_output).
COMMON_FILE_CONTEXT_PATH = ('File(val.MD5 && val.MD5 == obj.MD5 || val.SHA1 && val.SHA1 == obj.SHA1 || '
                            'val.SHA256 && val.SHA256 == obj.SHA256 || val.SHA512 && val.SHA512 == obj.SHA512 || '
                            'val.CRC32 && val.CRC32 == obj.CRC32 || val.CTPH && val.CTPH == obj.CTPH || '
                            'val.SSDeep && val.SSDeep == obj.SSDeep)')
COMMON_DBOTSCORE_CONTEXT_PATH = ('DBotScore(val.Indicator && val.Indicator == obj.Indicator && '
                                 'val.Vendor == obj.Vendor && val.Type == obj.Type)')

# Where the integration writes its records (integration.yml outputs; the README's context examples).
XDR_CONTEXT_PATH = 'CortexXDR.RestoredFile'
HSS_CONTEXT_PATH = 'HuaweiHSS.RestoredFile'

# --------------------------------------------------------------------------- Huawei Cloud HSS

# IsolatedFileRequestInfo ranges (seed "Restoring Isolated Files", Table 5: host_id 1 to 64 characters,
# file_hash / file_path / file_attr 1 to 256; the same in integration.yml and the README).
HSS_FIELD_LIMITS = {'host_id': 64, 'file_hash': 256, 'file_path': 256, 'file_attr': 256}
# The enterprise project ID of the default one, and how Huawei names it (seed "Restoring Isolated Files",
# enterprise_project_id: "The value 0 indicates the default enterprise project"; integration.yml's
# hss_enterprise_project_id: "0 for the default enterprise project").
HSS_DEFAULT_ENTERPRISE_PROJECT = ('0', 'the default enterprise project')
# The seed, enterprise_project_id: "To query servers in all enterprise projects, set this parameter to all_granted_eps."
HSS_EVERY_ENTERPRISE_PROJECT = 'all_granted_eps'
# README: "at most 100 items go in one PUT" (some language versions of the HSS page cap data_list at 100).
HSS_MAX_ITEMS_PER_REQUEST = 100
# README: the listing is "paged with `offset`/`limit` 200".
HSS_LIST_PAGE_SIZE = 200
# README: the API gateway's "token must be updated" is APIGW.0307, its throttling APIGW.0308.
HSS_TOKEN_EXPIRED = 'APIGW.0307'
# The gateway's refusal of a bad token or signature (the design notes: "401 APIGW.0301 for a bad signature"; README:
# "`APIGW.0301` bad token or signature"), its message as the recorded reply test_data/hss/replies/error_apigw_401.json
# words it, the failed check after ': '.
HSS_GATEWAY_AUTH_FAILED = ('APIGW.0301', 'Incorrect IAM authentication information')
HSS_THROTTLED = 'APIGW.0308'
# The gateway's lockout of an access key (Huawei's API Request Signing Guide, FAQ "Common Errors Related to IAM
# Authentication Information", support.huaweicloud.com/eu/nl-nl/devg-apisign/api-sign-0001.html): "AK/SK authentication
# fails for more than five consecutive times, and the AK/SK pair is locked for five minutes. (Authentication requests
# are rejected within this period)", with 401 APIGW.0301 "Incorrect IAM authentication information: AK access failed to
# reach the limit,forbidden." Read as five failures in a row locking it (the stricter reading of "more than five").
HSS_AK_LOCKOUT_FAILURES = 5
HSS_AK_LOCKOUT_S = 5 * 60
HSS_AK_LOCKED = ('APIGW.0301',
                 'Incorrect IAM authentication information: AK access failed to reach the limit,forbidden.')
# README ("Access key and secret key"): a secret key the gateway refused is not sent again for 15 minutes (but by Test),
# so the instance alone reaches the gateway's 5th refusal in a row an hour after the first at the soonest.
AKSK_REFUSAL_PAUSE_S = 15 * 60
# README ("How `hss-restore-isolated` behaves", Authentication: a password's refusal kept, as a secret key's is): its
# mark is "the first byte of a PBKDF2-HMAC-SHA256 of it (100,000 rounds ...)"; a secret key's "salted with the access
# key".
SECRET_MARK_ROUNDS = 100_000
# IAM's account lockout by default (Huawei Cloud IAM user guide, "Login Authentication Policy", Account Lockout:
# "Maximum number of unsuccessful login attempts ... the default value is 5", "Time for resetting the account lockout
# counter ... the default value is 15 minutes", "Lockout duration ... the default value is 15 minutes"; its least
# maximum is 3), and what the token API answers a locked user (IAM FAQ, "Why Is My Account Locked?").
IAM_LOCKOUT_FAILED_LOGINS = 5
IAM_LOCKOUT_LEAST_FAILED_LOGINS = 3
IAM_LOCKOUT_PERIOD_S = 15 * 60
IAM_LOCKOUT_DURATION_S = 15 * 60
IAM_ACCOUNT_LOCKED = (401, 'The account is locked.')
IAM_WRONG_PASSWORD = (401, 'The username or password is wrong.')
# HSS's own error codes (HSS API Reference, "Error Codes",
# support.huaweicloud.com/intl/en-us/api-hss2.0/ErrorCode.html): every HSS.xxxx error is HTTP 400, with these messages.
# HSS.0001 is a bad parameter, never a server failure.
HSS_INVALID_PARAMETER = ('HSS.0001', 'Invalid parameter.')
HSS_UNPARSABLE_REQUEST = ('HSS.0002', 'Failed to parse the request.')
HSS_RESOURCE_NOT_FOUND = ('HSS.0011', 'Requested resource not found.')
# HSS's server list (HSS API Reference, ListHostStatus, support.huaweicloud.com/api-hss2.0/ListHostStatus.html):
# each host's host_id beside its host_name, which its host_name query parameter filters by.
HSS_SERVER_LIST = ('ListHostStatus', 'GET /v5/{project_id}/host-management/hosts')
# The two a user who may not act meets (README, Batches: "HSS.0010 "Access denied." or HSS.0013 "Insufficient
# permissions.""): every later batch would meet them too.
HSS_PERMISSION_REFUSALS = (('HSS.0010', 'Access denied.'), ('HSS.0013', 'Insufficient permissions.'))
HSS_ERROR_STATUS = 400
# The agent errors of the same table, each with its Solution column: HSS.1001 "The selected server is not associated
# with any agent." ("Check whether the agent has been installed on the selected server.") and HSS.1006 "Failed to send
# requests to the agent." (the Chinese page's 请联系技术支持, as its HSS.0002 reads "Contact technical support.").
HSS_NO_AGENT = ('HSS.1001', 'The selected server is not associated with any agent.')
HSS_AGENT_UNREACHABLE = ('HSS.1006', 'Failed to send requests to the agent.')
# Two more rows of that table, as its Chinese edition (intl/zh-cn/api-hss2.0/ErrorCode.html) words them: HSS.1007
# "Agent离线" (solution "请启动agent", start the agent) and HSS.1018 "无效的文件信息" (check the parameters).
HSS_AGENT_OFFLINE = ('HSS.1007', 'Agent offline.')
HSS_INVALID_FILE_INFORMATION = ('HSS.1018', 'Invalid file information.')
# ListIsolatedFile's paging ranges (Huawei's page for the API, "查询已隔离文件列表", Query parameters: limit minimum 10,
# maximum 1000, default 10; offset minimum 0, maximum 2000000).
HSS_LIST_LIMIT_RANGE = (10, 1000)
HSS_LIST_OFFSET_MAX = 2_000_000
# The longest value of ListIsolatedFile's text query parameters (the same page, the version that gives the ranges
# above: enterprise_project_id 0 to 64 characters, host_name 1 to 64, private_ip 1 to 256; file_hash 1 to 512, as
# huaweicloud/huaweicloud-sdk-php-v3's Services/Hss/V5/Model/ListIsolatedFileRequest.php refuses a longer one in
# listInvalidProperties, in its version that has file_hash, last_days and begin_time).
HSS_LIST_TEXT_MAX = {'enterprise_project_id': 64, 'host_name': 64, 'private_ip': 256, 'file_hash': 512}
# ChangeIsolatedFile's (the restore's) enterprise_project_id query parameter, 0 to 64 characters, as the listing's:
# huaweicloud/huaweicloud-sdk-php-v3 Services/Hss/V5/Model/ChangeIsolatedFileRequest.php (listInvalidProperties, commit
# 766542185bfd: "the character length must be smaller than or equal to 64").
HSS_RESTORE_ENTERPRISE_PROJECT_ID_MAX = 64
# The project ID in the path of both isolated-file APIs, 20 to 64 characters: Huawei's ChangeIsolatedFile page in
# the versions that give ranges (support.huaweicloud.com/intl/es-us/api-hss2.0/ChangeIsolatedFile.html, "Mínimo: 20
# Máximo: 64", and its pt-br twin) and ListIsolatedFile's Chinese page ("最小长度：20 最大长度：64"); the seed's English
# version gives none.
HSS_PROJECT_ID_LENGTH = (20, 64)
# ListIsolatedFile's filters the emulator checks and does not apply (README, "What the emulators refuse"):
# last_days 1 to 30, public_ip at most 256 characters and asset_value 128 (huaweicloud/huaweicloud-sdk-php-v3
# Services/Hss/V5/Model/ListIsolatedFileRequest.php, listInvalidProperties, the version with last_days and
# begin_time); begin_time and end_time "毫秒级时间戳，end_time减去begin_time小于等于2天，与查询时间范围天数互斥" (ms, two days
# apart at most, not with last_days: that file's docstrings, and huaweicloud/huaweicloud-sdk-python-v3
# huaweicloud-sdk-hss/huaweicloudsdkhss/v5/model/list_isolated_file_request.py's; Huawei's English page for the API:
# "no more than two days", "mutually exclusive").
HSS_LIST_LAST_DAYS_RANGE = (1, 30)
HSS_LIST_UNAPPLIED_TEXT_MAX = {'public_ip': 256, 'asset_value': 128}
HSS_LIST_WINDOW_MAX_MS = 2 * 24 * 60 * 60 * 1000
# ListSecurityEvents's (huaweicloudsdkhss v5 ListSecurityEventsRequest, 取值范围: enterprise_project_id 1-256
# characters, host_id 0-64, host_name 1-256).
HSS_EVENT_TEXT_MAX = {'enterprise_project_id': 256, 'host_id': 64, 'host_name': 256}
# The region header of every HSS request the pack sends, 0 to 128 characters: ListSecurityEventsRequest's 取值范围
# (huaweicloudsdkhss v5), and huaweicloud/huaweicloud-sdk-php-v3's ListIsolatedFileRequest.php and
# ChangeIsolatedFileRequest.php (Services/Hss/V5/Model, listInvalidProperties: "the character length must be smaller
# than or equal to 128").
HSS_REGION_HEADER_MAX = 128
# The IP texts of what HSS lists (huaweicloudsdkhss v5 IsolatedFileResponseInfo.private_ip and
# EventManagementResponseInfo.private_ip, 取值范围 字符长度1-128位; EventManagementResponseInfo.public_ip, 1-256, "支持IPv4或IPv6
# 格式（IPv4长度7-15位，IPv6长度15-39位）"): an address when given, never an empty text.
HSS_LISTED_IP_FIELDS = ('private_ip', 'public_ip')
# An HSS security event's agent status (huaweicloud/huaweicloud-sdk-python-v3 huaweicloud-sdk-hss/huaweicloudsdkhss/v5/
# model/event_management_response_info.py, agent_status 取值范围: installed, not_installed 未安装, online 在线, offline
# 离线, install_failed, installing); the seed names a host's agent online or offline (test_data/hss/README.md).
HSS_EVENT_AGENT_STATUSES = ('installed', 'not_installed', 'online', 'offline', 'install_failed', 'installing')
# An HSS security event's protection status (the same model, protect_status 取值范围: closed 未防护 not protected, opened
# 防护中 protected): a server with no agent is not protected.
HSS_EVENT_PROTECT_STATUSES = ('closed', 'opened')
# An HSS security event's server status (the same model, host_status 取值范围: ACTIVE 运行中 running, SHUTOFF 关机 shut
# off, BUILDING 创建中 being created, ERROR 故障 failed): only a running server's agent can be online.
HSS_EVENT_HOST_STATUSES = ('ACTIVE', 'SHUTOFF', 'BUILDING', 'ERROR')
# The longest host_name and event_name HSS lists, 1 to 256 characters in both IsolatedFileResponseInfo and
# EventManagementResponseInfo (huaweicloudsdkhss v5, 取值范围 字符长度1-256位).
HSS_LISTED_NAME_MAX = {'host_name': 256, 'event_name': 256}
# HSS's times are milliseconds written in 13 digits: ListSecurityEventsRequest's begin_time and end_time (取值范围
# 字符长度13位), the window an event's occur_time is listed in.
HSS_MS_DIGITS = 13
# The length range of each text of an HSS security event that the emulator writes from a seed's names and paths
# (huaweicloudsdkhss v5 event_management_response_info.py 取值范围: event_name 1-256, host_name 1-256, recommendation
# 1-256, description 0-1024, event_abstract 0-512 characters; event_file_response_info.py: file_path and file_alias
# 1-256 each).
HSS_EVENT_TEXT_RANGES = {'event_name': (1, 256), 'host_name': (1, 256), 'recommendation': (1, 256),
                         'description': (0, 1024), 'event_abstract': (0, 512)}
HSS_EVENT_FILE_TEXT_RANGES = {'file_path': (1, 256), 'file_alias': (1, 256)}
# Where an isolated file's isolation came from (huaweicloudsdkhss v5 isolated_file_response_info.py, isolate_source:
# "event : 安全告警事件" a security alarm, "antivirus : 病毒查杀" a virus scan).
HSS_ISOLATE_SOURCES = ('event', 'antivirus')
# The fields of one isolated file as HSS lists it (ListIsolatedFile's data_list: huaweicloudsdkhss v5
# isolated_file_response_info.py, IsolatedFileResponseInfo.openapi_types), and its isolation_status 取值范围: isolated
# 已隔离, restored 已恢复, isolating 已下发隔离任务 (isolation task issued), restoring 已下发恢复任务 (restore task issued).
HSS_ISOLATED_FILE_FIELDS = ('os_type', 'host_id', 'host_name', 'file_hash', 'file_path', 'file_attr',
                            'isolation_status', 'private_ip', 'public_ip', 'asset_value', 'update_time',
                            'agent_version', 'isolate_source', 'event_name', 'agent_event_info',
                            'antivirus_result_info')
HSS_ISOLATION_STATUSES = ('isolated', 'restored', 'isolating', 'restoring')
# The fields of one file to restore (the seed's Table 5, IsolatedFileRequestInfo, ChangeIsolatedFile's data_list).
HSS_RESTORE_ITEM_FIELDS = ('host_id', 'file_hash', 'file_path', 'file_attr')
# How important an asset is to its owner (huaweicloudsdkhss v5 list_security_events_request.py, asset_value 取值范围:
# important 重要资产, common 一般资产, test 测试资产), which an event of the server gives.
HSS_ASSET_VALUES = ('important', 'common', 'test')
# The malware classes of an HSS security event's event_type (huaweicloudsdkhss v5 list_security_events_request.py,
# event_types 取值范围, in English: 1001 通用恶意软件 generic malware, 1002 病毒, 1003 蠕虫, 1004 木马, 1005 僵尸网络,
# 1006 后门, 1010 Rootkit, 1011 勒索软件, 1012 黑客工具 hacker tool, 1015 Webshell, 1016 挖矿 mining; 1017 反弹Shell, a
# reverse shell, isolates no file), and the antivirus event_class_ids of the same request (av_1002 病毒 ...
# av_1016 挖矿软件, each its event_type's class; malware_1001 恶意程序 "malicious program", generic malware's).
# An event named by none of them is generic malware.
HSS_MALWARE_EVENT_TYPES = {1001: 'Malware', 1002: 'Virus', 1003: 'Worm', 1004: 'Trojan', 1005: 'Botnet',
                           1006: 'Backdoor', 1010: 'Rootkit', 1011: 'Ransomware', 1012: 'Hacker tool',
                           1015: 'Webshell', 1016: 'Mining'}
HSS_GENERIC_MALWARE = (1001, 'malware_1001')
HSS_AV_EVENT_CLASSES = {1002: 'av_1002', 1003: 'av_1003', 1004: 'av_1004', 1005: 'av_1005', 1006: 'av_1006',
                        1010: 'av_1010', 1011: 'av_1011', 1012: 'av_1012', 1015: 'av_1015', 1016: 'av_1016'}
# The endpoints a region's ID names (huaweicloudsdkhss v5 HssRegion and huaweicloudsdkiam v3 IamRegion, in
# huaweicloud/huaweicloud-sdk-python-v3): every region's under myhuaweicloud.com but Huawei Cloud Europe's
# (eu-west-101), which is under myhuaweicloud.eu.
HSS_REGION_ENDPOINTS = {
    'ap-southeast-1': ('https://hss.ap-southeast-1.myhuaweicloud.com', 'https://iam.ap-southeast-1.myhuaweicloud.com'),
    'eu-west-101': ('https://hss.eu-west-101.myhuaweicloud.eu', 'https://iam.eu-west-101.myhuaweicloud.eu'),
}
# HSS outcomes of one item (integration.yml, HuaweiHSS.RestoredFile.outcome).
HSS_OUTCOMES = ('restored', 'restoring', 'failed', 'not_found')
# What the message of each HSS error status speaks of: a 400 names the seed's ranges, an AK/SK instance's 401 what its
# signature depends on (the secret key, this machine's clock: a token's 401 is renewed first), a 429 throttling
# (README: APIGW.0308 "throttled").
HSS_ADVICE_WORDS = {
    400: ('1-64', '1-256'),
    401: ('secret key', 'clock'),
    429: ('throttl',),
}
# README: an IAM token "is kept in the integration context with its expiry and reused by later commands until
# 10 minutes before it expires".
TOKEN_REFRESH_MARGIN_SECONDS = 10 * 60
# DESIGN.md, Huawei Cloud HSS: an IAM token is "valid 24 h".
IAM_TOKEN_LIFETIME_S = 24 * 60 * 60

# README, fetch-incidents: "severity from HSS's (Security 0.5, informational; Low 1, Medium 2, High 3, Critical 4; any
# other 0, unknown)": XSOAR's severities are 0.5 informational, 1 low, 2 medium, 3 high, 4 critical, 0 unknown.
HSS_SEVERITY_TO_XSOAR = {'Security': 0.5, 'Low': 1, 'Medium': 2, 'High': 3, 'Critical': 4}
# README, fetch-incidents: first_fetch takes "minutes, hours, days, weeks, months (30 days) or years (365 days)", the
# units of XSOAR's own first-fetch help text (content-docs documentation_tips.md: "12 hours, 7 days, 3 months, 1 year")
# and the pack's minutes and weeks; a unit's length in milliseconds is arithmetic, not the code's.
DURATION_UNITS_MS = {'minute': 60 * 1000, 'hour': 60 * 60 * 1000, 'day': 24 * 60 * 60 * 1000,
                     'week': 7 * 24 * 60 * 60 * 1000, 'month': 30 * 24 * 60 * 60 * 1000,
                     'year': 365 * 24 * 60 * 60 * 1000}
# README, fetch-incidents: a first_fetch unit "may be written as its letter, as admins type it (`12h`, `3d`, `2w`)":
# each letter and the unit it stands for; `yesterday` and `today` are "00:00 UTC of that day, as a date alone is".
FIRST_FETCH_SHORT_UNITS = {'h': 'hour', 'd': 'day', 'w': 'week'}
FIRST_FETCH_DAY_WORDS = {'today': 0, 'yesterday': 1}  # each one's days back
# README, fetch-incidents: first_fetch reaches back "30 days at most: as far back as HSS lists events" (HSS's own
# listing takes last_days from 1 to 30).
FIRST_FETCH_MAX_MS = 30 * DURATION_UNITS_MS['day']
# README, fetch-incidents: when this machine's clock is set back "by up to a day", fetching waits for it to catch up;
# "a last run more than a day ahead of the clock is taken as unreadable, and the first-fetch window applies".
FETCH_CLOCK_SET_BACK_MAX_MS = DURATION_UNITS_MS['day']
# README, fetch-incidents: each fetch "reads the last 30 minutes again" (an event HSS lists up to that late still comes,
# once), and the last run keeps "the IDs of at most 1,000 events".
FETCH_READ_AGAIN_MS = 30 * DURATION_UNITS_MS['minute']
FETCH_SEEN_IDS_MAX = 1000
# README, fetch-incidents: a window is read whole only "while its `total_num` fits in 10 pages"; one that lists more
# "is halved (its end moved back)"; "once a fetch has sent 20 listing requests it starts no new window".
FETCH_WINDOW_PAGES_MAX = 10
FETCH_NEW_WINDOW_REQUESTS_MAX = 20
# README, fetch-incidents: "a window spans two days less a second" (HSS: end_time - begin_time 小于等于2天, the listing
# asked from up to a second before the window), and it is halved "until it fits or spans less than a second".
FETCH_WINDOW_SPAN_MAX_MS = 2 * DURATION_UNITS_MS['day'] - 1000
FETCH_NARROWEST_SPAN_MS = 1000
# ListSecurityEvents's page (huaweicloudsdkhss v5 ListSecurityEventsRequest, limit 取值范围 最小值10，最大值1000); README:
# a fetch "asks for 1,000 events a page (the most the API gives)".
HSS_EVENT_LIMIT_RANGE = (10, 1000)
# ListSecurityEvents's event_types (huaweicloudsdkhss v5 ListSecurityEventsRequest, event_types 取值范围: 1001 通用恶意软件
# to 13004 绑定集群用户角色).
HSS_EVENT_TYPES = (1001, 1002, 1003, 1004, 1005, 1006, 1010, 1011, 1012, 1015, 1016, 1017, 2001, 2012, 2047, 2048, 2049,
                   3002, 3003, 3004, 3005, 3007, 3015, 3018, 3026, 3027, 3029, 3030, 3031, 3036, 4002, 4004, 4006,
                   4014, 4020, 6002, 6003, 13001, 13002, 13003, 13004)
# Of those, the container events (the same request's category: host 主机安全事件, container 容器安全事件): 3036 容器镜像阻断
# (container image blocking), and the Kubernetes ones, 13001 Kubernetes事件删除 (event deletion), 13002 Pod异常行为
# (abnormal pod behaviour), 13003 枚举用户信息 (user information enumeration), 13004 绑定集群用户角色 (binding cluster user
# roles). README: the fetch lists category=host, so integration.yml's "HSS event types to fetch" offers each other type,
# its code first, and the setting check refuses these.
HSS_CONTAINER_EVENT_TYPES = (3036, 13001, 13002, 13003, 13004)
HSS_HOST_EVENT_TYPES = tuple(code for code in HSS_EVENT_TYPES if code not in HSS_CONTAINER_EVENT_TYPES)
# integration.yml, restore-file's hidden polling_started: when the first run started, "ms since the epoch, this
# machine's clock, at most a day ahead of it".
POLLING_STARTED_AHEAD_MAX_MS = DURATION_UNITS_MS['day']
# integration.yml, restore-file's hidden unread: a status read's failure "without an HTTP status, its kind" is one of
# (the last an older version's, read still)
UNREAD_KINDS_WITHOUT_STATUS = ('no connection', 'a refusal by the proxy', 'no answer in time', 'a dropped connection',
                               'a broken reply', 'no TLS connection', 'no time left to send it',
                               "not sent for another request's refusal", 'not sent for another reason', 'not sent')
# README, "TLS is verified by default": a certificate refused while polling is said whole at the first check, "then in
# a line naming `no TLS connection`, the cause the hidden `unread` argument keeps" (one of the kinds above).
TLS_UNREAD_KIND = 'no TLS connection'

# --------------------------------------------------------------------------- both commands

# README, both commands' Errors: a vendor's words (a message, details, code) are "quoted whole up to 1,000 characters"
# each "and cut there with `...`" (a 4xx reply may be up to 32 MB).
VENDOR_TEXT_LIMIT = 1000
# README, Reliability: faults are "sent again after 0, 1, 2, 4 s (`retry_backoff` 0.5 s, doubling, at most 8 s
# each) ..., at most `max_retries` times (default 4); the fault waits of one request stop at 30 s in all".
DEFAULT_MAX_RETRIES = 4
DEFAULT_RETRY_BACKOFF = 0.5
RETRY_WAITS = (0, 1, 2, 4)
RETRY_WAIT_MAX = 8
FAULT_WAIT_BUDGET_SECONDS = 30
# README, Reliability: after a 429 without a `Retry-After`, IAM's token request's next turn is put off "by a random
# share (full jitter) of 1 s, doubling with each 429 in a row, at most 20 s" (botocore's standard retry mode's).
IAM_THROTTLE_BACKOFF_FIRST_S = 1
IAM_THROTTLE_BACKOFF_MAX_S = 20
# README, Reliability: the faults retried are "502, 503, 504 ...; Huawei's 500; Cortex XDR's 500 on a status
# read".
RETRIED_STATUSES = (502, 503, 504)
HUAWEI_RETRIED_STATUSES = (500, 502, 503, 504)
XDR_STATUS_READ_RETRIED_STATUSES = (500, 502, 503, 504)

# README, Reliability: a reply "larger than 32 MB" is a fault (a compressed one is not "inflated past 32 MB").
MAX_REPLY_MB = 32

# README, Bulk restores: a 429 drops the rate "to 95% of the rate that met the limit".
THROTTLE_CUT = 0.95
# README, Bulk restores: with none of the run's requests admitted, "the slowest pace, one about every 2 s".
SLOWEST_TURN_GAP_S = 2.0
# README, Bulk restores: "Entries show at most 200 table rows (failures first) and say how many more the context
# holds."
MAX_TABLE_ROWS = 200

# integration.yml, interval_in_seconds: "Seconds between two status checks while polling (10 at least, 86400 at
# most)".
MIN_POLLING_INTERVAL = 10
# ... and a smaller one is read as 10, as XSOAR itself reads it: CommonServerPython's ScheduledCommand sets a
# next_run_in_seconds below 10 to 10 ("too low - minimum interval is 10 seconds. next_run_in_seconds was set to 10
# seconds"), and CortexXDRIR's polling commands (CoreIRApiModule's run_polling_command) hand their interval_in_seconds
# to it as given, so a playbook moving from xdr-file-restore may pass one. integration.yml: "0 to 9 is read as 10".
SMALLEST_INTERVAL_TAKEN = 0
MAX_POLLING_INTERVAL = 86_400
# integration.yml, timeout_in_seconds: "1 at least, 604800 at most (7 days); while polling, at least
# interval_in_seconds".
MIN_POLLING_TIMEOUT = 1
MAX_POLLING_TIMEOUT = 604_800
# integration.yml, incident_id: "below 9007199254740992 (2**53)": IEEE 754's float64, in which XSOAR's context keeps
# a JSON number (DEVELOPERS.md), holds every whole number below 2**53 exactly, and from there on stands for more than
# one (9007199254740993 reads as 9007199254740992.0).
CONTEXT_NUMBER_EXACT_BELOW = 2 ** 53

# No document bounds the length of a Cortex XDR endpoint ID (the seed says only "String"): 256 characters is the
# pack's own bound for a single ID, written here so that changing it is a decision the tests see.
MAX_IDENTIFIER_LENGTH = 256

# The faults the emulators inject (README, Reliability, the fault table): every one is Cortex XDR's and HSS's but
# `expire-token` and the API gateway's own errors (`-apigw`), which are HSS's only. A rate picks the gateway's own and
# the 200s from in front of the vendor (`200-`) only when its kinds name them.
FAULT_KINDS = ('429', '500', '502', '503', '504', '500-html', '502-html', '503-html', '504-html', '400-apigw',
               '413-apigw', '500-apigw', '200-page', '200-empty', 'reset', 'slow', 'malformed', 'truncated',
               'expire-token')
HSS_ONLY_FAULT_KINDS = ('400-apigw', '413-apigw', '500-apigw', 'expire-token')
XDR_FAULT_KINDS = tuple(kind for kind in FAULT_KINDS if kind not in HSS_ONLY_FAULT_KINDS)
NAMED_ONLY_FAULT_KINDS = ('400-apigw', '413-apigw', '500-apigw', '200-page', '200-empty')

# --------------------------------------------------------------------------- Cortex XSOAR

# Entry types (CommonServerPython's EntryType; the design notes: "Type 1 note / 4 error").
ENTRY_NOTE = 1
ENTRY_ERROR = 4
# Every entry type: CommonServerPython's EntryType (demisto/content Packs/Base/Scripts/CommonServerPython/
# CommonServerPython.py: NOTE 1 to STATIC_VIDEO_FILE 12, MAP_ENTRY_TYPE 15, WIDGET 17, EXECUTION_METRICS 19) and its
# deprecated entryTypes' 'debug': 16. No number between or past them (0, 13, 14, 18, 20) names one.
XSOAR_ENTRY_TYPES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 17, 19)
# The XSOAR setting behind `insecure`, as integration.yml displays it and the README names it.
INSECURE_DISPLAY = 'Trust any certificate'
# XSOAR stops an integration command, fetch-incidents included, after 3 minutes unless the server configuration sets
# another: the Cortex XSOAR 6.13 Administrator Guide, "Integration Server Configurations", key
# <integration_name>.<command_name>.timeout, "Timeout in minutes for specific integration command", default 3.
XSOAR_COMMAND_TIMEOUT_SECONDS = 180
# The instance dialog's Test button (test-module) has less time: an engine ends it after 60 s, so an integration's test
# must end sooner to show its own error (demisto/content pull request 33691, Prisma Cloud v2: "Updated the timeout for
# the test button to 15 seconds to ensure the client receives an error before xsiam's engine times out after 60
# seconds").
XSOAR_TEST_TIMEOUT_SECONDS = 60
# README, test-module: "a 429 that outlasts the 45 s a Test waits for its turns" (its requests end 10 s before the 60 s,
# and the last attempt starts while 5 s are left).
TEST_TURN_WAIT_S = 45
# README, hss-restore-isolated: "the command hands XSOAR `timeout_in_seconds` plus 6 minutes (room for a first and a
# last run of 3 minutes each, XSOAR's command timeout)", and restore-file "the same margin"; built-in arguments:
# "`timeout_in_seconds` + 360".
POLLING_TIMEOUT_MARGIN_SECONDS = 360
# README, restore-file's last check: a follow line for all the actions still running "that would run past 2,000
# characters, too long to paste, gives way to `restore-file` given each file's `file_hash` and `action_id`".
FOLLOW_LINE_MAX_CHARS = 2_000

# README, Reliability: "one run waits at most 165 s for its turns".
MAX_RUN_WAIT_SECONDS = 165
# README, One run stays short: "A `connect_timeout` or `read_timeout` longer than a run (up to 3600 s is accepted)".
MAX_TIMEOUT_SETTING_SECONDS = 3600
# XSOAR's timeout for an automation script that sets none: no public page gives the server's default;
# demisto/content's CommonServerPython.py, content_profiler, assumes "default_timeout = 60 * 5 * 1e9" (5 minutes, in
# nanoseconds) when the calling context gives no TimeoutDuration. The README says the same (the on-close script, and
# "Running them locally").
XSOAR_DEFAULT_SCRIPT_TIMEOUT_SECONDS = 5 * 60
# XSOAR's built-in command arguments, which the server reads on any integration command (DEVELOPERS.md, "Built-in
# arguments", gives the source of each; the README lists them where it says what the war room checks).
XSOAR_BUILTIN_ARGUMENTS = ('using', 'using-brand', 'using-category', 'execution-timeout', 'extend-context',
                           'ignore-outputs', 'raw-response', 'retry-count', 'retry-interval', 'auto-extract',
                           'debug-mode')
# README, the war room: the one instance it runs, named as XSOAR names an integration's first instance.
WAR_ROOM_INSTANCE = 'Quarantine Restore_instance_1'

# --------------------------------------------------------------------------- the pack

# README: `warroom export OUTDIR` writes `OUTDIR/QuarantineRestore/` and `OUTDIR/QuarantineRestore.zip`.
PACK_ID = 'QuarantineRestore'
# The pack's first version: a pack starts at 1.0.0 and a first version has no release notes (XSOAR content
# repository conventions).
PACK_VERSION = '1.0.0'
# README: "Every item asks for XSOAR 6.10.0, as does the pack."
SERVER_MIN_VERSION = '6.10.0'
# README: "The pack depends on Common Scripts ..., Filters And Transformers ... and Common Types ..., all mandatory,
# and optionally on Cortex XDR by Palo Alto Networks".
PACK_DEPENDENCIES = {'CommonScripts': True, 'CommonTypes': True, 'CortexXDR': False, 'FiltersAndTransformers': True}
# The content repository's layout (demisto/content Packs/<Pack>/...) for the pack's JSON items, and the key
# demisto-sdk lists each under in the zip's metadata.json (mappers are listed with the classifiers).
CONTENT_JSON_ITEMS = {
    'incident_types': ('IncidentTypes', 'incidenttype'),
    'incident_fields': ('IncidentFields', 'incidentfield'),
    'classifiers': ('Classifiers', 'classifier'),
}
# The fetch settings XSOAR shows a fetching integration, as demisto-sdk writes them (demisto_sdk/commands/common/
# constants.py, INCIDENT_FETCH_REQUIRED_PARAMS, for the xsoar marketplace). `demisto-sdk format` (commands/format/
# update_integration.py, set_fetch_params_in_config) appends each one it does not find exactly, the keys it sets aside
# (FETCH_PARAM_KEYS_FORMAT_IGNORES) left out of the comparison: a param with anything more is added a second time,
# and validate refuses the result (IN114, "The following params are duplicated").
XSOAR_FETCH_PARAMS = ({'display': 'Incident type', 'name': 'incidentType', 'type': 13},
                      {'display': 'Fetch incidents', 'name': 'isFetch', 'type': 8})
FETCH_PARAM_KEYS_FORMAT_IGNORES = ('defaultvalue', 'section', 'advanced', 'required')
# Cortex XSOAR admin guide, "Attach and Detach Incident Types" (6.5 to 8): "When installing incident types from a
# content pack, by default, the incident types are attached, which means that they are not editable"; to set
# anything on one (its post-processing script too) an admin duplicates it or detaches it (a detached type gets no
# content pack updates).
XSOAR_ATTACHED_TYPE_EDITS = ('attached', 'duplicate', 'detach')
# demisto-sdk's IntegrationScriptUnifier appends this to the display name of a community-supported integration.
COMMUNITY_DISPLAY_SUFFIX = ' (Community Contribution)'
# The earliest date a zip entry can carry (MS-DOS dates start on 1980-01-01): no build clock produces it.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# README, Playbooks: the QuarantineRestoreSummary note has "a *What to do by hand* list; its counts land in
# `QuarantineRestore.Summary`".
SUMMARY_MANUAL_TITLE = 'What to do by hand'
SUMMARY_CONTEXT_PATH = 'QuarantineRestore.Summary'


def words_missing(message: str, words) -> list[str]:
    """The words of an advice (XDR_ADVICE_WORDS, HSS_ADVICE_WORDS) a message lacks, case aside."""
    return [word for word in words if word.lower() not in message.lower()]


def context_at(entry_context: dict, path: str):
    """The value an entry writes at ``path`` ('CortexXDR.RestoredFile'), whatever DT expression its key carries."""
    [value] = [value for key, value in entry_context.items() if key.split('(', 1)[0] == path]
    return value

# README, "Readable at any scale": "past 50 endpoints (or HSS copies) the final entry counts them by status and writes
# each failure reason once with the endpoints or hosts it applies to (20, then "and N more")"; the summary note too.
READABLE_DETAIL_MAX = 50
READABLE_LISTED_MAX = 20
# README, hss-restore-isolated: "A check lists each hash on its own (every status) for up to 20 hashes; more exact items
# are checked with one listing of the whole project".
HSS_CHECK_BY_HASH_MAX = 20
# README, "Limits of the scrubber": "a secret shorter than 4 characters is not looked for, nor a head of one shorter
# than that": one of 4 characters or more is, and so is a head of that many cut off by short_text or printable.
SCRUBBER_MIN_LENGTH = 4
# README, "One scrubber": "Each spelling is replaced whole, by `<redacted>`".
SCRUBBER_MASK = '<redacted>'
# README, "One scrubber": "cut short where `short_text` or `printable` cut a text (they end it with `...`)".
QUOTE_CUT = '...'


# What CortexXDRIR's xdr-file-restore writes to context (demisto/content Packs/ApiModules/Scripts/CoreIRApiModule/
# CoreIRApiModule.py): restore_file_command, the first run, "restoredFiles.actionId(val.actionId == obj.actionId)";
# action_status_get_command, each check, "GetActionStatus(val.action_id == obj.action_id)" rows of action_id,
# endpoint_id, status and, for an endpoint Cortex XDR gave a reason for, ErrorReasons and error_description; both
# under CortexXDRIR's brand, PaloAltoNetworksXDR (Packs/CortexXDR/Integrations/CortexXDRIR/README.md).
CORTEXXDRIR_RESTORE_OUTPUTS = ('PaloAltoNetworksXDR.restoredFiles.actionId',
                               'PaloAltoNetworksXDR.GetActionStatus.action_id',
                               'PaloAltoNetworksXDR.GetActionStatus.endpoint_id',
                               'PaloAltoNetworksXDR.GetActionStatus.status',
                               'PaloAltoNetworksXDR.GetActionStatus.error_description',
                               'PaloAltoNetworksXDR.GetActionStatus.ErrorReasons')
