/**
 * Chinese and English strings for the four pages. Chinese is the default (the pages serve a
 * Chinese city's halls); the choice is kept in localStorage and switched from the header.
 * Keys missing in one language fall back to the other, then to the key itself, so a missing
 * string shows up in review rather than as a blank.
 */
import { CODE_TEXTS } from "./codes";

export type Lang = "zh" | "en";

const zh = {
  "app.name": "证照链",
  "lang.switch": "English",
  "nav.agency": "发证机关",
  "nav.wallet": "市民钱包",
  "nav.counter": "窗口核验",
  "nav.verify": "公开核验",
  "common.loading": "加载中…",
  "common.save": "保存",
  "common.cancel": "取消",
  "common.copy": "复制",
  "common.copied": "已复制",
  "common.download": "下载",
  "common.submit": "提交",
  "common.close": "关闭",
  "common.yes": "是",
  "common.no": "否",
  "common.error": "出错了",
  "common.apiKey": "API 密钥",
  "common.signIn": "登录",
  "common.signOut": "退出",
  "common.signedInAs": "已登录：{name}",
  "common.none": "暂无",
  "common.listSeparator": "、",
  "common.status": "状态",
  "common.expiresAt": "有效至 {time}",
  "common.minutes": "分钟",
  "common.fields": "字段",
  "common.type": "证照类型",
  "common.purpose": "用途",
  "common.verifier": "核验方",
  "common.time": "时间",
  "common.certId": "证照编号",
  "common.network": "网络错误，请检查连接后重试",
  "signIn.keyMissing": "请输入 API 密钥",
  "signIn.retry": "重试",
  "signIn.keyRejected": "API 密钥无效：网关不认识这个密钥，或它已被停用。请检查后重新输入。",
  "signIn.keyRefused": "保存的 API 密钥已失效，请重新登录",
  "signIn.notRole.agency": "这个密钥不属于发证机关，请输入机关的 API 密钥",
  "signIn.notRole.verifier": "这个密钥不属于核验窗口，请输入核验方的 API 密钥",

  "agency.title": "发证机关控制台",
  "agency.keyHint": "输入机关的 API 密钥（演示密钥见网关启动时的输出）",
  "agency.issue": "签发证照",
  "agency.holder": "持证人地址（由市民钱包提供）",
  "agency.validFrom": "生效日期",
  "agency.validUntil": "失效日期",
  "agency.issueButton": "签发",
  "agency.issued": "已签发，证照编号 {certId}",
  "agency.pickup": "取证二维码",
  "agency.pickupHint":
    "请市民用证照钱包扫描此二维码领取证照（也可复制链接发给市民）。证照加密保存，领取后即删除，最迟保留到 {time}。",
  "agency.showPickup": "显示取证二维码",
  "agency.batchPickups": "显示本批次的取证链接",
  "pickup.waiting": "待领取",
  "pickup.picked_up": "已领取",
  "pickup.expired": "已过期",
  "agency.document": "证照文件（交付给持证人钱包）",
  "agency.batch": "批量签发（CSV）",
  "agency.batchHint":
    "第一行为表头：holder 列为持证人地址，其余列为字段名；尚无地址的持证人，holder 留空并填写 claim.<字段> 列（如 claim.idNumber、claim.studentNumber），即生成认领码",
  "agency.batchUpload": "上传并签发",
  "agency.batchProgress": "已处理 {done}/{total}",
  "agency.batchDone": "批量签发完成：{count} 张，Merkle 根 {root}",
  "agency.claimsMade": "已生成 {count} 份待认领证照",
  "agency.claimLetters": "认领通知书",
  "agency.claimLettersHint": "认领码只显示这一次（网关只保存其散列）：请立即打印通知书或复制认领码，再离开本页。",
  "agency.claimLettersPrint": "打印认领通知书",
  "agency.claimRow": "第 {row} 行",
  "agency.claimCodesShownBefore": "部分认领码已在首次提交时显示过，不会再次显示。",
  "agency.claimLetterTitle": "电子证照认领通知书",
  "agency.claimLetterBody":
    "已为您签发一份{type}。请打开证照链市民钱包，选择“认领证照”，输入下方认领码或扫描二维码，并填写：{fields}。认领码仅可使用一次，有效期至 {time}。",
  "agency.manage": "查询与状态管理",
  "agency.search": "按证照编号查询",
  "agency.revoke": "吊销",
  "agency.suspend": "暂停",
  "agency.reinstate": "恢复",
  "agency.reason": "原因代码",
  "agency.statusChanged": "状态已更新：{status}",
  "agency.fillSample": "填入示例",
  "agency.keySection": "机关签名密钥",
  "agency.keystoreHint":
    "导入本机关的加密密钥文件（以太坊标准加密密钥库格式），用口令解锁后在浏览器内签名；密钥不离开本页。网关不持有机关密钥时，只能这样签发和变更状态。",
  "agency.keyFile": "密钥文件",
  "agency.keyPassphrase": "口令",
  "agency.keyUnlock": "解锁",
  "agency.keyCreate": "新建密钥",
  "agency.keyLocked": "未解锁：签发由网关托管的密钥完成（若网关托管）",
  "agency.keyUnlocked": "已解锁，签名密钥 {address}",
  "agency.keyCreated": "已新建密钥 {address}，请下载加密文件并交由主管机关登记",
  "agency.signWhat": "将要签名的内容（Issue）",
  "agency.signTypeId": "类型编号",
  "agency.signDeadline": "签名有效至",
  "agency.signKey": "签名密钥",
  "agency.signSend": "签名并提交",
  "error.KEY_LOCKED": "本网关不持有机关密钥：请先导入并解锁本机关的密钥文件",
  "error.KEY_ALREADY_REGISTERED": "这个密钥已登记（一个密钥只属于一个机关）",
  "error.AUTHORITY_SIGNATURE_REQUIRED": "本网关不持有主管机关密钥：登记管理须由主管机关用自己的密钥或多签钱包签名",
  "error.SIGNER_NOT_AGENCY_KEY": "签名密钥不是本机关的密钥",
  "error.DOCUMENT_INVALID": "证照文件校验不通过（被篡改或格式不对），未上链任何内容",
  "error.DOCUMENT_REDACTED": "签发时须提交完整的证照文件，不能隐去字段",
  "error.DOCUMENT_WRONG_LEDGER": "证照文件指向的是另一条链或另一本账",
  "error.DOCUMENT_TYPE_MISMATCH": "这批证照的类型不一致",
  "error.DOCUMENT_BATCHED": "这份证照属于一个批次：请提交整个批次",
  "error.DOCUMENTS_MIXED": "这批证照的签名密钥不一致",
  "error.DUPLICATE_CERTIFICATE": "这批证照中有重复的证照",
  "error.DOCUMENT_NOT_IN_BATCH": "有证照不属于这个批次",
  "error.BATCH_ROOT_MISMATCH": "这些证照算出的批次根与签名的不符：请提交批次中的全部证照",
  "error.STATUS_NONCE_STALE": "证照状态已变化：请刷新后重新签名",
  "error.TRANSACTION_MALFORMED": "这不是一笔签名的交易",
  "error.TRANSACTION_UNSIGNED": "交易未签名",
  "error.TRANSACTION_WRONG_CHAIN": "交易是为另一条链签名的",
  "error.TRANSACTION_NOT_FOR_REGISTRY": "网关只转发发往登记合约的交易",
  "error.AGENCY_NAME_MISMATCH": "机关名称与交易中登记的名称摘要不符",
  "error.KEYSTORE_PASSPHRASE_WRONG": "口令无法解锁这个密钥文件",
  "error.KEYSTORE_INVALID": "这不是密钥文件",
  "error.KEYSTORE_MISSING": "请选择本机关的密钥文件",
  "error.PASSPHRASE_TOO_SHORT": "口令至少 8 个字符",
  "error.AGENCY_SIGNATURE_REQUIRED": "本网关不持有机关密钥：请用本机关的密钥签名",
  "agency.noActions": "该证照已是最终状态，不能再更改",
  "agency.noTypes": "本机关目前没有获得任何证照类型的签发授权",
  "agency.revokeQuestion": "确定吊销这张证照吗？",
  "agency.revokeFinal": "吊销是最终操作，不能恢复。",
  "agency.confirmRevoke": "确认吊销",

  "wallet.title": "我的证照钱包",
  "wallet.create": "创建新钱包",
  "wallet.import": "用助记词恢复",
  "wallet.mnemonic": "助记词",
  "wallet.mnemonicWarning":
    "助记词是取回全部证照的唯一凭据。请抄写在纸上妥善保管，切勿截图或发给任何人。本页面将其保存在本浏览器的本地存储中，设置密码后加密保存。",
  "wallet.passphrase": "本机密码（可选，用于加密助记词）",
  "wallet.unlock": "解锁",
  "wallet.locked": "钱包已加密，请输入本机密码",
  "wallet.badPassphrase": "密码不正确",
  "wallet.forget": "从本机删除钱包",
  "wallet.forgetConfirm": "删除后只能用助记词恢复。确定删除？",
  "wallet.certificates": "我的证照",
  "wallet.noCertificates": "还没有证照。把下面的地址交给发证机关，再把收到的证照文件导入。",
  "wallet.receive": "领证地址",
  "wallet.receiveHint": "每张证照使用一个新地址，互不关联",
  "wallet.nextAddress": "再要一个新地址",
  "wallet.importDoc": "导入证照文件",
  "wallet.importDocHint": "粘贴证照 JSON，或选择文件",
  "wallet.imported": "已导入：{type}",
  "wallet.pickupOpening": "正在领取证照…",
  "wallet.pickupReceived": "已领取证照：{type}",
  "wallet.pickupNeedsWallet": "您打开了一个取证链接。请先创建钱包，或用助记词恢复钱包，然后即可领取证照。",
  "wallet.claim": "认领证照",
  "wallet.claimHint":
    "输入发证机关认领通知书上的认领码（或扫描其二维码），再填写通知书要求的身份信息。证照将绑定本钱包新生成的持证密钥。",
  "wallet.claimCodeHint": "认领码，如 7K2M-9Q4X-…",
  "wallet.claimOpen": "下一步",
  "wallet.claimFor": "待认领：{type}，有效期至 {time}。请填写：",
  "wallet.claimSubmit": "认领",
  "wallet.claimed": "已认领证照：{type}",
  "wallet.claimAttemptsLeft": "还可尝试 {n} 次。",
  "claim.field.idNumber": "公民身份号码",
  "claim.field.studentNumber": "学号",
  "claim.field.name": "姓名",
  "wallet.backupSaving": "正在加密备份…",
  "wallet.backupSaved": "证照已加密备份到网关（第 {version} 版），可用助记词在新设备上恢复",
  "wallet.backupFailed": "备份未完成：{error}",
  "wallet.restored": "已从加密备份恢复 {count} 份证照",
  "wallet.noBackup": "网关上没有这组助记词的备份，钱包是空的。如果您曾在别的设备上保存过证照，请核对助记词。",
  "wallet.notMine": "这张证照不属于本钱包的任何地址",
  "wallet.scan": "扫码授权",
  "wallet.scanCamera": "打开摄像头扫码",
  "wallet.scanImage": "从图片识别",
  "wallet.scanPaste": "或粘贴二维码内容",
  "wallet.scanOpen": "打开",
  "wallet.noQr": "图片中没有识别到二维码",
  "wallet.cameraUnavailable": "无法使用摄像头：{reason}",
  "wallet.request": "授权请求",
  "wallet.requestFrom": "{verifier} 请求查看以下证照",
  "wallet.requestPurpose": "用途：{purpose}",
  "wallet.requestExpires": "请求将于 {time} 过期",
  "wallet.pickCert": "选择证照",
  "wallet.disclose": "勾选要出示的字段（未勾选的字段将被隐藏）",
  "wallet.present": "同意并出示",
  "wallet.decline": "拒绝",
  "wallet.declined": "已拒绝，窗口已收到通知",
  "wallet.presented": "已出示，核验结果：{verdict}",
  "wallet.missingType": "钱包中没有所需的证照：{type}",
  "wallet.share": "在线分享",
  "wallet.shareTo": "分享给",
  "wallet.shareLink": "一次性链接（任何持有链接者）",
  "wallet.shareVerifier": "指定核验方地址",
  "wallet.shareUses": "可用次数",
  "wallet.shareHours": "有效期（小时）",
  "wallet.sharePurpose": "用途代码",
  "wallet.shareCreate": "生成分享",
  "wallet.shareCreated": "分享已生成。链接的密钥只在 # 之后，不会发送到服务器。",
  "wallet.grants": "我的授权",
  "wallet.noGrants": "还没有授权",
  "wallet.revokeGrant": "撤销授权",
  "wallet.grantRevoked": "授权已撤销",
  "wallet.trail": "核验记录",
  "wallet.noTrail": "还没有核验记录",
  "wallet.viaLink": "经分享链接",
  "wallet.refresh": "刷新",
  "wallet.details": "详情",
  "wallet.delete": "删除",
  "wallet.presentWarning": "这张证照现在无效，窗口将看到“无效”的核验结果。",
  "wallet.presentAnyway": "我知道，仍要出示这张证照",
  "wallet.discloseNeeded": "已勾选“{purpose}”需要的字段，其余字段将被隐藏。您可以增减勾选。",
  "wallet.discloseNone": "没有为这个用途预设字段：全部字段默认隐藏，对方只能看到证照是否有效。请勾选您愿意出示的字段。",
  "wallet.linkGrantee": "分享链接",
  "wallet.importFile": "选择证照文件",

  "counter.title": "窗口核验",
  "counter.keyHint": "输入核验方（窗口）的 API 密钥",
  "counter.service": "办理事项",
  "counter.types": "所需证照",
  "counter.purpose": "用途代码",
  "counter.lifetime": "有效时间（分钟）",
  "counter.open": "生成授权二维码",
  "counter.scanPrompt": "请市民用证照钱包扫描二维码",
  "counter.waiting": "等待市民授权…",
  "counter.expired": "二维码已过期，请重新生成",
  "counter.answered": "已收到市民出示的证照",
  "counter.verifying": "市民已授权，正在上链核验…",
  "counter.newRequest": "办理下一位",
  "counter.rejected": "收到一次无效的出示：{message}",
  "counter.declined": "市民拒绝了这次授权请求",
  "counter.overall": "总体结论：{verdict}（{valid}/{total} 份证照有效）",

  "card.hidden": "已隐藏",
  "card.details": "详情与编号",
  "card.hiddenCount": "持证人隐藏了 {count} 项",
  "card.certId": "证照编号",
  "card.batchRoot": "批次根",
  "card.agency": "签发机关地址",
  "card.issuerKey": "签发密钥",
  "card.holder": "持证人密钥地址",
  "print.button": "打印",
  "print.title": "打印证照",
  "print.hint":
    "打印件带一个二维码：扫码打开核验页，通过您授权的核验链接查看证照现在是否有效。链接属于您，可在“我的授权”中随时撤销。",
  "print.fields": "打印哪些项目（也是扫码者能看到的项目）",
  "print.uses": "可核验次数",
  "print.unlimitedUses": "不限次数",
  "print.hours": "有效期（小时）",
  "print.untilRevoked": "直到我撤销",
  "print.create": "生成打印件",
  "print.print": "打印 / 另存为 PDF",
  "print.scan": "扫码核验此证照",
  "print.linkTerms": "核验链接：{uses}，{until}",
  "print.usesN": "可核验 {count} 次",
  "print.usesAny": "不限次数",
  "print.untilDate": "有效至 {date}",
  "print.untilRevokedTerm": "直到持证人撤销",
  "print.printedAt": "打印于 {time}",
  "print.agencyNoQr":
    "此打印件由签发机关在签发时打印，不带核验二维码：核验链接只能由持证人的钱包生成（签发机关没有持证人的密钥）。持证人可在钱包中打印带二维码的核验件。",
  "print.ready": "打印件已生成，核验链接已加入“我的授权”。",
  "verify.title": "证照核验",
  "verify.drop": "把证照文件拖到这里，或点击选择文件",
  "verify.paste": "或粘贴证照 JSON",
  "verify.check": "核验",
  "verify.share": "分享链接核验",
  "verify.opening": "正在打开分享链接…",
  "verify.reasons": "原因",
  "verify.noConsent": "未经持证人授权，服务器只核验文件完整性与链上状态；下方字段来自您打开的文件",

  "verdict.VALID": "有效",
  "verdict.INVALID": "无效",
  "verdict.issuer": "签发机关：{name}",
  "verdict.validity": "有效期：{from} 至 {until}",
  "service.custom": "自定义",

  "status.ISSUED": "有效",
  "status.ACTIVE": "有效",
  "status.REVOKED": "已吊销",
  "status.SUSPENDED": "已暂停",
  "status.SUPERSEDED": "已被替换",
  "status.EXPIRED": "已过期",
  "status.PENDING": "上链中",
  "status.UNKNOWN": "未知",

  "statusReason.ISSUED_IN_ERROR": "误发",
  "statusReason.FRAUD": "欺诈取得",
  "statusReason.HOLDER_DECEASED": "持证人已死亡",
  "statusReason.ENTITY_DISSOLVED": "主体已注销",
  "statusReason.COURT_ORDER": "法院裁定",
  "statusReason.LOST_OR_STOLEN": "遗失或被盗",
  "statusReason.UNDER_INVESTIGATION": "正在调查",
  "statusReason.HOLDER_REQUEST": "持证人申请",
  "statusReason.INVESTIGATION_CLOSED": "调查结束",
  "statusReason.SUSPENDED_IN_ERROR": "误暂停",
  "statusReason.RENEWAL": "换证",
  "statusReason.CORRECTION": "更正",
  "statusReason.UPGRADE": "升级",
  "statusReason.OTHER": "其他",

  "reason.VALID": "证照有效",
  "reason.TAMPERED": "文件被篡改：内容与链上记录不符",
  "reason.NOT_ISSUED": "链上没有这张证照",
  "reason.REVOKED": "证照已被吊销",
  "reason.SUSPENDED": "证照已被暂停",
  "reason.SUPERSEDED": "证照已被新证替换",
  "reason.EXPIRED": "证照已过有效期",
  "reason.NOT_YET_VALID": "证照尚未生效",
  "reason.ISSUER_NOT_ACCREDITED": "签发机关在签发时未获该类证照的授权",
  "reason.TYPE_MISMATCH": "证照类型不是所需的类型",
  "reason.NO_GRANT": "没有持证人的授权",
  "reason.GRANT_EXPIRED": "授权已过期",
  "reason.GRANT_REVOKED": "持证人已撤销授权",
  "reason.GRANT_USED_UP": "授权次数已用完",
  "reason.WRONG_VERIFIER": "授权对象不是本核验方",
  "reason.BAD_SIGNATURE": "签名无效",
  "reason.REPLAYED": "重复提交（重放）",

  "error.COUNTER_REQUEST_NOT_FOUND": "授权请求不存在，二维码可能是伪造的",
  "error.COUNTER_REQUEST_EXPIRED": "授权请求已过期，请让窗口重新生成二维码",
  "error.COUNTER_REQUEST_ANSWERED": "这个授权请求已经答复过了，不能再次提交",
  "error.COUNTER_REQUEST_DECLINED": "市民已拒绝这个授权请求；如需出示，请让窗口重新生成二维码",
  "error.COUNTER_GRANT_MISMATCH": "授权与本次请求不匹配（可能属于另一个请求）",
  "error.COUNTER_TYPE_NOT_REQUESTED": "出示了未被请求的证照类型",
  "error.COUNTER_DOCUMENT_TAMPERED": "证照文件被篡改，未上链任何内容",
  "error.COUNTER_BAD_SIGNATURE": "授权签名不是持证人的",
  "error.COUNTER_TYPES_MISSING": "还缺少窗口所需的证照",
  "error.SHARE_STALE_PROOF": "本机时间与服务器相差太大，请校准时间后重试",
  "error.SHARE_NOT_FOUND": "分享链接不存在",
  "error.SHARE_BAD_PROOF": "无法证明持有分享链接的密钥",
  "error.CHECK_USE_TAKEN": "另一次核验刚刚用掉了这次机会，请重新打开链接再核验",
  "error.SHARE_LINK_INVALID": "分享链接不完整",
  "error.UNAUTHENTICATED": "请先登录",
  "error.FORBIDDEN": "无权执行此操作",
  "error.VALIDATION_FAILED": "输入有误",
};

type Dict = Record<keyof typeof zh, string>;

const en: Dict = {
  "app.name": "certledger",
  "lang.switch": "中文",
  "nav.agency": "Agency",
  "nav.wallet": "Wallet",
  "nav.counter": "Counter",
  "nav.verify": "Verify",
  "common.loading": "Loading…",
  "common.save": "Save",
  "common.cancel": "Cancel",
  "common.copy": "Copy",
  "common.copied": "Copied",
  "common.download": "Download",
  "common.submit": "Submit",
  "common.close": "Close",
  "common.yes": "Yes",
  "common.no": "No",
  "common.error": "Something went wrong",
  "common.apiKey": "API key",
  "common.signIn": "Sign in",
  "common.signOut": "Sign out",
  "common.signedInAs": "Signed in as {name}",
  "common.none": "None yet",
  "common.listSeparator": ", ",
  "common.status": "Status",
  "common.expiresAt": "Valid until {time}",
  "common.minutes": "minutes",
  "common.fields": "Fields",
  "common.type": "Certificate type",
  "common.purpose": "Purpose",
  "common.verifier": "Verifier",
  "common.time": "Time",
  "common.certId": "Certificate id",
  "common.network": "Network error: check the connection and try again",
  "signIn.keyMissing": "Enter the API key",
  "signIn.retry": "Try again",
  "signIn.keyRejected":
    "Wrong API key: the gateway does not know this key, or it was disabled. Check it and try again.",
  "signIn.keyRefused": "The saved API key is no longer valid: sign in again",
  "signIn.notRole.agency": "This key is not an issuing agency's: enter the agency's API key",
  "signIn.notRole.verifier": "This key is not a counter verifier's: enter the verifier's API key",

  "agency.title": "Agency console",
  "agency.keyHint": "Enter the agency's API key (the demo keys are printed when the gateway starts)",
  "agency.issue": "Issue a certificate",
  "agency.holder": "Holder address (from the citizen's wallet)",
  "agency.validFrom": "Valid from",
  "agency.validUntil": "Valid until",
  "agency.issueButton": "Issue",
  "agency.issued": "Issued, certificate id {certId}",
  "agency.pickup": "Pickup QR code",
  "agency.pickupHint":
    "The citizen scans this with their wallet to receive the certificate (or copy the link and send it). It is kept encrypted, deleted once picked up, and kept at most until {time}.",
  "agency.showPickup": "Show pickup QR code",
  "agency.batchPickups": "Show this batch's pickup links",
  "pickup.waiting": "Waiting",
  "pickup.picked_up": "Picked up",
  "pickup.expired": "Expired",
  "agency.document": "Certificate document (deliver it to the holder's wallet)",
  "agency.batch": "Batch issue (CSV)",
  "agency.batchHint":
    "First row is the header: a holder column with the holder address, the other columns are field names; for holders without an address yet, leave holder empty and fill claim.<field> columns (e.g. claim.idNumber, claim.studentNumber) to make a claim code",
  "agency.batchUpload": "Upload and issue",
  "agency.batchProgress": "{done}/{total} processed",
  "agency.batchDone": "Batch issued: {count} certificates, Merkle root {root}",
  "agency.claimsMade": "{count} certificates offered under claim codes",
  "agency.claimLetters": "Claim letters",
  "agency.claimLettersHint":
    "The claim codes are shown this once (the gateway keeps only their hashes): print the letters or copy the codes before leaving this page.",
  "agency.claimLettersPrint": "Print claim letters",
  "agency.claimRow": "Row {row}",
  "agency.claimCodesShownBefore": "Some claim codes were shown when the batch was first sent and are not shown again.",
  "agency.claimLetterTitle": "Certificate claim letter",
  "agency.claimLetterBody":
    "A {type} has been issued for you. Open the certledger citizen wallet, choose “Claim a certificate”, enter the code below or scan the QR code, and give: {fields}. The code works once, until {time}.",
  "agency.manage": "Search and status",
  "agency.search": "Find by certificate id",
  "agency.revoke": "Revoke",
  "agency.suspend": "Suspend",
  "agency.reinstate": "Reinstate",
  "agency.reason": "Reason code",
  "agency.statusChanged": "Status changed: {status}",
  "agency.fillSample": "Fill with sample",
  "agency.keySection": "Agency signing key",
  "agency.keystoreHint":
    "Import your agency's encrypted keystore file (Web3 Secret Storage) and unlock it with its passphrase to sign in the browser; the key never leaves this page. A gateway that holds no agency key issues and changes status only this way.",
  "agency.keyFile": "Keystore file",
  "agency.keyPassphrase": "Passphrase",
  "agency.keyUnlock": "Unlock",
  "agency.keyCreate": "Create a new key",
  "agency.keyLocked": "Locked: the gateway signs with its custodial key (when it holds one)",
  "agency.keyUnlocked": "Unlocked, signing key {address}",
  "agency.keyCreated": "New key {address} created: download its encrypted file and have the authority register it",
  "agency.signWhat": "What will be signed (Issue)",
  "agency.signTypeId": "Type id",
  "agency.signDeadline": "Signature valid until",
  "agency.signKey": "Signing key",
  "agency.signSend": "Sign and send",
  "error.KEY_LOCKED": "This gateway holds no agency key: import and unlock your agency's keystore first",
  "error.KEY_ALREADY_REGISTERED": "This key is registered already (a key belongs to one agency, forever)",
  "error.AUTHORITY_SIGNATURE_REQUIRED":
    "This gateway holds no authority key: registry administration is signed by the authority's own key or its Safe",
  "error.SIGNER_NOT_AGENCY_KEY": "The signing key is not one of this agency's keys",
  "error.DOCUMENT_INVALID": "The certificate document does not verify (changed or malformed); nothing was written",
  "error.DOCUMENT_REDACTED": "Send the whole document to issue it, without hidden fields",
  "error.DOCUMENT_WRONG_LEDGER": "The document names another chain or ledger than this gateway's",
  "error.DOCUMENT_TYPE_MISMATCH": "The documents are not all of the same type",
  "error.DOCUMENT_BATCHED": "This document belongs to a batch: anchor the batch instead",
  "error.DOCUMENTS_MIXED": "The documents name different issuing keys",
  "error.DUPLICATE_CERTIFICATE": "The same certificate appears twice",
  "error.DOCUMENT_NOT_IN_BATCH": "A document does not belong to this batch",
  "error.BATCH_ROOT_MISMATCH":
    "The documents make another batch root than the one signed: send every document of the batch",
  "error.STATUS_NONCE_STALE": "The certificate changed since it was signed: reload it and sign again",
  "error.TRANSACTION_MALFORMED": "Not a signed transaction",
  "error.TRANSACTION_UNSIGNED": "The transaction is not signed",
  "error.TRANSACTION_WRONG_CHAIN": "The transaction was signed for another chain",
  "error.TRANSACTION_NOT_FOR_REGISTRY": "Only transactions to the registry are passed on",
  "error.AGENCY_NAME_MISMATCH": "The agency's name does not match the name hash in the transaction",
  "error.KEYSTORE_PASSPHRASE_WRONG": "The passphrase does not unlock this keystore",
  "error.KEYSTORE_INVALID": "This file is not a keystore",
  "error.KEYSTORE_MISSING": "Choose your agency's keystore file",
  "error.PASSPHRASE_TOO_SHORT": "The passphrase must be at least 8 characters",
  "error.AGENCY_SIGNATURE_REQUIRED": "This gateway holds no agency key: sign with your agency's key",
  "agency.noActions": "This certificate's status is final: it cannot be changed",
  "agency.noTypes": "This agency is not accredited for any certificate type at present",
  "agency.revokeQuestion": "Revoke this certificate?",
  "agency.revokeFinal": "Revocation is final: it cannot be undone.",
  "agency.confirmRevoke": "Revoke for good",

  "wallet.title": "My certificate wallet",
  "wallet.create": "Create a new wallet",
  "wallet.import": "Restore from mnemonic",
  "wallet.mnemonic": "Mnemonic",
  "wallet.mnemonicWarning":
    "The mnemonic is the only way to recover all your certificates. Write it on paper and keep it safe; never screenshot it or send it to anyone. This page keeps it in this browser's local storage, encrypted when you set a passphrase.",
  "wallet.passphrase": "Device passphrase (optional, encrypts the mnemonic)",
  "wallet.unlock": "Unlock",
  "wallet.locked": "The wallet is encrypted: enter the device passphrase",
  "wallet.badPassphrase": "Wrong passphrase",
  "wallet.forget": "Remove wallet from this device",
  "wallet.forgetConfirm": "After removal only the mnemonic can restore it. Remove?",
  "wallet.certificates": "My certificates",
  "wallet.noCertificates":
    "No certificates yet. Give the address below to the issuing agency, then import the document you receive.",
  "wallet.receive": "Address to receive a certificate",
  "wallet.receiveHint": "Each certificate uses a new address, so they cannot be linked",
  "wallet.nextAddress": "Another new address",
  "wallet.importDoc": "Import a certificate document",
  "wallet.importDocHint": "Paste the certificate JSON or choose a file",
  "wallet.imported": "Imported: {type}",
  "wallet.pickupOpening": "Receiving the certificate…",
  "wallet.pickupReceived": "Certificate received: {type}",
  "wallet.pickupNeedsWallet":
    "You opened a pickup link. Create a wallet, or restore yours from its mnemonic, and the certificate will be received.",
  "wallet.claim": "Claim a certificate",
  "wallet.claimHint":
    "Enter the claim code from the agency's letter (or scan its QR code), then the identity details the letter asks for. The certificate is bound to a fresh holder key of this wallet.",
  "wallet.claimCodeHint": "Claim code, e.g. 7K2M-9Q4X-…",
  "wallet.claimOpen": "Next",
  "wallet.claimFor": "Offered: {type}, until {time}. Please give:",
  "wallet.claimSubmit": "Claim",
  "wallet.claimed": "Certificate claimed: {type}",
  "wallet.claimAttemptsLeft": "{n} attempts left.",
  "claim.field.idNumber": "Resident ID number",
  "claim.field.studentNumber": "Student number",
  "claim.field.name": "Name",
  "wallet.backupSaving": "Saving the encrypted backup…",
  "wallet.backupSaved":
    "Certificates backed up, encrypted, at the gateway (version {version}); restore them on a new device with the mnemonic",
  "wallet.backupFailed": "Backup not saved: {error}",
  "wallet.restored": "Restored {count} certificates from the encrypted backup",
  "wallet.noBackup":
    "The gateway has no backup for this mnemonic, so the wallet is empty. If you kept certificates on another device, check the words.",
  "wallet.notMine": "This certificate does not belong to any address of this wallet",
  "wallet.scan": "Scan to authorise",
  "wallet.scanCamera": "Scan with the camera",
  "wallet.scanImage": "Read from an image",
  "wallet.scanPaste": "or paste the QR content",
  "wallet.scanOpen": "Open",
  "wallet.noQr": "No QR code found in the image",
  "wallet.cameraUnavailable": "Camera unavailable: {reason}",
  "wallet.request": "Request",
  "wallet.requestFrom": "{verifier} asks to see these certificates",
  "wallet.requestPurpose": "Purpose: {purpose}",
  "wallet.requestExpires": "The request expires at {time}",
  "wallet.pickCert": "Choose a certificate",
  "wallet.disclose": "Tick the fields to show (the others are hidden)",
  "wallet.present": "Agree and present",
  "wallet.decline": "Decline",
  "wallet.declined": "Declined: the counter has been told",
  "wallet.presented": "Presented, verdict: {verdict}",
  "wallet.missingType": "The wallet has no certificate of the requested type: {type}",
  "wallet.share": "Share online",
  "wallet.shareTo": "Share with",
  "wallet.shareLink": "One-time link (whoever holds the link)",
  "wallet.shareVerifier": "A named verifier's address",
  "wallet.shareUses": "Uses",
  "wallet.shareHours": "Valid for (hours)",
  "wallet.sharePurpose": "Purpose code",
  "wallet.shareCreate": "Create share",
  "wallet.shareCreated": "Share created. The link's key is after the #, which is never sent to a server.",
  "wallet.grants": "My grants",
  "wallet.noGrants": "No grants yet",
  "wallet.revokeGrant": "Revoke grant",
  "wallet.grantRevoked": "Grant revoked",
  "wallet.trail": "Checks made on my certificates",
  "wallet.noTrail": "No checks yet",
  "wallet.viaLink": "via link",
  "wallet.refresh": "Refresh",
  "wallet.details": "Details",
  "wallet.delete": "Delete",
  "wallet.presentWarning": "This certificate is not valid now: the counter will see the verdict INVALID.",
  "wallet.presentAnyway": "I understand; present this certificate anyway",
  "wallet.discloseNeeded":
    "The fields “{purpose}” needs are ticked; the others will be hidden. You can tick more or fewer.",
  "wallet.discloseNone":
    "No fields are set for this purpose: all are hidden unless you tick them, and the other side sees only whether the certificate is valid.",
  "wallet.linkGrantee": "Share link",
  "wallet.importFile": "Choose a certificate file",

  "counter.title": "Counter",
  "counter.keyHint": "Enter the counter verifier's API key",
  "counter.service": "Service",
  "counter.types": "Certificates needed",
  "counter.purpose": "Purpose code",
  "counter.lifetime": "Lifetime (minutes)",
  "counter.open": "Show request QR",
  "counter.scanPrompt": "Ask the citizen to scan this code with the certificate wallet",
  "counter.waiting": "Waiting for the citizen…",
  "counter.expired": "The QR code expired: open a new request",
  "counter.answered": "The citizen presented",
  "counter.verifying": "The citizen agreed; verifying on chain…",
  "counter.newRequest": "Next citizen",
  "counter.rejected": "An invalid presentation was refused: {message}",
  "counter.declined": "The citizen declined this request",
  "counter.overall": "Overall: {verdict} ({valid} of {total} certificates valid)",

  "card.hidden": "Hidden",
  "card.details": "Details and ids",
  "card.hiddenCount": "{count} field(s) hidden by the holder",
  "card.certId": "Certificate id (certId)",
  "card.batchRoot": "Batch root",
  "card.agency": "Issuing agency's address",
  "card.issuerKey": "Signing key",
  "card.holder": "Holder key's address",
  "print.button": "Print",
  "print.title": "Print the certificate",
  "print.hint":
    "The print carries a QR code: scanning it opens the verify page on a verification link you grant, which shows whether the certificate is valid now. The link is yours: revoke it any time under My grants.",
  "print.fields": "Fields to print (also what whoever scans it sees)",
  "print.uses": "Checks allowed",
  "print.unlimitedUses": "No limit",
  "print.hours": "Valid for (hours)",
  "print.untilRevoked": "Until I revoke it",
  "print.create": "Make the print",
  "print.print": "Print / save as PDF",
  "print.scan": "Scan to verify this certificate",
  "print.linkTerms": "Verification link: {uses}, {until}",
  "print.usesN": "{count} check(s)",
  "print.usesAny": "any number of checks",
  "print.untilDate": "valid until {date}",
  "print.untilRevokedTerm": "until the holder revokes it",
  "print.printedAt": "Printed {time}",
  "print.agencyNoQr":
    "Printed by the issuing agency at issuance, without a verification QR code: only the holder's wallet can make a verification link (the agency does not hold the holder's key). The holder prints a checkable copy from the wallet.",
  "print.ready": "The print is ready; its verification link is listed under My grants.",
  "verify.title": "Verify a certificate",
  "verify.drop": "Drop a certificate file here, or click to choose one",
  "verify.paste": "or paste the certificate JSON",
  "verify.check": "Verify",
  "verify.share": "Share link",
  "verify.opening": "Opening the share link…",
  "verify.reasons": "Reasons",
  "verify.noConsent":
    "Without the holder's grant the gateway checks only integrity and on-chain status; the fields below are from the file you opened",

  "verdict.VALID": "VALID",
  "verdict.INVALID": "INVALID",
  "verdict.issuer": "Issued by {name}",
  "verdict.validity": "Valid from {from} to {until}",
  "service.custom": "Custom",

  "status.ISSUED": "Valid",
  "status.ACTIVE": "Valid",
  "status.REVOKED": "Revoked",
  "status.SUSPENDED": "Suspended",
  "status.SUPERSEDED": "Superseded",
  "status.EXPIRED": "Expired",
  "status.PENDING": "Pending",
  "status.UNKNOWN": "Unknown",

  "statusReason.ISSUED_IN_ERROR": "Issued in error",
  "statusReason.FRAUD": "Obtained by fraud",
  "statusReason.HOLDER_DECEASED": "Holder deceased",
  "statusReason.ENTITY_DISSOLVED": "Entity dissolved",
  "statusReason.COURT_ORDER": "Court order",
  "statusReason.LOST_OR_STOLEN": "Lost or stolen",
  "statusReason.UNDER_INVESTIGATION": "Under investigation",
  "statusReason.HOLDER_REQUEST": "At the holder's request",
  "statusReason.INVESTIGATION_CLOSED": "Investigation closed",
  "statusReason.SUSPENDED_IN_ERROR": "Suspended in error",
  "statusReason.RENEWAL": "Renewal",
  "statusReason.CORRECTION": "Correction",
  "statusReason.UPGRADE": "Upgrade",
  "statusReason.OTHER": "Other",

  "reason.VALID": "The certificate is valid",
  "reason.TAMPERED": "Tampered: the document does not match the chain",
  "reason.NOT_ISSUED": "No such certificate on chain",
  "reason.REVOKED": "The certificate was revoked",
  "reason.SUSPENDED": "The certificate is suspended",
  "reason.SUPERSEDED": "The certificate was replaced by a newer one",
  "reason.EXPIRED": "The certificate has expired",
  "reason.NOT_YET_VALID": "The certificate is not valid yet",
  "reason.ISSUER_NOT_ACCREDITED": "The issuer was not accredited for this type when it issued",
  "reason.TYPE_MISMATCH": "Not the certificate type that was asked for",
  "reason.NO_GRANT": "No grant from the holder",
  "reason.GRANT_EXPIRED": "The grant has expired",
  "reason.GRANT_REVOKED": "The holder revoked the grant",
  "reason.GRANT_USED_UP": "The grant has no uses left",
  "reason.WRONG_VERIFIER": "The grant is for another verifier",
  "reason.BAD_SIGNATURE": "Bad signature",
  "reason.REPLAYED": "Replayed presentation",

  "error.COUNTER_REQUEST_NOT_FOUND": "No such request: the QR code may be forged",
  "error.COUNTER_REQUEST_EXPIRED": "The request expired: ask the counter for a new QR code",
  "error.COUNTER_REQUEST_ANSWERED": "This request was already answered and cannot be answered again",
  "error.COUNTER_REQUEST_DECLINED":
    "This request was declined; to present after all, ask the counter for a new QR code",
  "error.COUNTER_GRANT_MISMATCH": "The grant does not match this request (it may belong to another one)",
  "error.COUNTER_TYPE_NOT_REQUESTED": "A certificate type that was not requested was presented",
  "error.COUNTER_DOCUMENT_TAMPERED": "The document was tampered with; nothing was sent to the chain",
  "error.COUNTER_BAD_SIGNATURE": "The grant was not signed by the holder",
  "error.COUNTER_TYPES_MISSING": "The counter needs more certificates than were presented",
  "error.SHARE_STALE_PROOF": "This device's clock is too far from the server's: fix the time and retry",
  "error.SHARE_NOT_FOUND": "No such share link",
  "error.SHARE_BAD_PROOF": "Could not prove possession of the share link's key",
  "error.CHECK_USE_TAKEN": "Another check took this use just now: reload the link and check again",
  "error.SHARE_LINK_INVALID": "The share link is incomplete",
  "error.UNAUTHENTICATED": "Sign in first",
  "error.FORBIDDEN": "Not allowed",
  "error.VALIDATION_FAILED": "Invalid input",
};

export type MessageKey = keyof typeof zh;
const DICTS: Record<Lang, Record<string, string>> = {
  zh: { ...CODE_TEXTS.zh, ...zh },
  en: { ...CODE_TEXTS.en, ...en },
};
const STORAGE_KEY = "certledger.lang";

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "zh" || saved === "en") return saved;
    const q = new URLSearchParams(location.search).get("lang");
    if (q === "zh" || q === "en") return q;
  } catch {
    // no storage (private mode, tests in Node): fall through to the default
  }
  return "zh";
}

let current: Lang = typeof window === "undefined" ? "zh" : initialLang();
const listeners: Array<(lang: Lang) => void> = [];

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // keep the choice for this page view only
  }
  if (typeof document !== "undefined") document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  for (const l of listeners) l(next);
}

export function onLangChange(listener: (lang: Lang) => void): void {
  listeners.push(listener);
}

const reported = new Set<string>();

/** A string the page needs but the current language lacks: said once on the console (the browser tests fail on it). */
function missing(key: string): void {
  if (reported.has(`${current}:${key}`)) return;
  reported.add(`${current}:${key}`);
  console.warn(`certledger i18n: no ${current} text for "${key}"`);
}

/** Translates `key`, replacing `{name}` placeholders with `vars`. Accepts dynamic keys (reason codes). */
export function t(key: MessageKey | string, vars: Record<string, string | number> = {}): string {
  if (!(key in DICTS[current])) missing(key);
  const raw = DICTS[current][key] ?? DICTS[current === "zh" ? "en" : "zh"][key] ?? key;
  return raw.replace(/\{(\w+)\}/g, (_, name: string) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** True when a translation exists for `key` (used to prefer a translated error over the server's English). */
export function has(key: string): boolean {
  return key in DICTS[current];
}

/**
 * The kinds of machine code the pages show: the gateway's error codes, verdict reasons, certificate
 * statuses, status-change reasons (ISSUED_IN_ERROR…), purpose codes (employment-check…) and verdicts.
 */
export type CodeKind = "error" | "reason" | "status" | "statusReason" | "purpose" | "verdict";

/**
 * The one way the pages turn a machine code into words in the current language. An error code
 * without a translation is reported (see `missing`) and shown as a generic sentence with the code;
 * the server's English `fallback` message is used only on the English page. A purpose code outside
 * the catalog is the verifier's own and is shown as it is.
 */
export function codeText(kind: CodeKind, code: string, fallback?: string): string {
  if (kind === "error") {
    for (const key of [`error.${code}`, `reason.${code}`]) if (has(key)) return t(key);
    missing(`error.${code}`);
    return current === "en" && fallback ? fallback : t("error.unknown", { code });
  }
  const key = `${kind}.${code}`;
  if (has(key)) return t(key);
  if (kind !== "purpose") missing(key);
  return code;
}

export function formatTime(unixSeconds: number | string | Date): string {
  const d =
    unixSeconds instanceof Date
      ? unixSeconds
      : typeof unixSeconds === "number"
        ? new Date(unixSeconds * 1000)
        : new Date(unixSeconds);
  return d.toLocaleString(current === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}

export const DICTIONARIES = DICTS;
