from django.db import models
from django.utils.translation import gettext_lazy as _


class DemandStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待签收")
    ACCEPTED = "accepted", _("已签收")
    ROUTED = "routed", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已办结")
    RETURNED = "returned", _("已退回")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")


#: States in which the demand is still the bureau's work (counted as open, can go overdue).
OPEN_STATUSES = frozenset(
    {
        DemandStatus.SUBMITTED,
        DemandStatus.ACCEPTED,
        DemandStatus.ROUTED,
        DemandStatus.IN_PROGRESS,
        DemandStatus.RETURNED,
    }
)
#: States in which the reply clock (not the acceptance clock) runs.
REPLY_CLOCK_STATUSES = frozenset(
    {DemandStatus.ACCEPTED, DemandStatus.ROUTED, DemandStatus.IN_PROGRESS, DemandStatus.RETURNED}
)
#: States in which the demand is finished.
FINISHED_STATUSES = frozenset({DemandStatus.CLOSED, DemandStatus.REJECTED, DemandStatus.MERGED})


class DemandChannel(models.TextChoices):
    PORTAL = "portal", _("企业自主提交")
    VISIT = "visit", _("走访收集")
    PHONE = "phone", _("电话/来访")
    STAFF = "staff", _("工作人员录入")
    OPEN311 = "open311", _("接口(Open311)")


class RejectionReason(models.TextChoices):
    NOT_COMPETENT = "not_competent", _("不属于本局及协办部门职责")
    LITIGATION = "litigation", _("已进入诉讼、仲裁或行政复议程序")
    DUPLICATE = "duplicate", _("重复诉求")
    UNCLEAR = "unclear", _("诉求内容不清，无法办理")
    NOT_IN_DISTRICT = "not_in_district", _("企业不在本区")
    POLICY_NOT_ALLOWED = "policy_not_allowed", _("诉求违反法律法规或政策规定")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("办理中")
    TRANSFERRED = "transferred", _("已转办")
    RETURNED = "returned", _("已退回")
    DONE = "done", _("已完成")


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提交")
    ACCEPTED = "accepted", _("签收")
    ROUTED = "routed", _("交办")
    STARTED = "started", _("开始办理")
    TRANSFERRED = "transferred", _("转办")
    RETURNED = "returned", _("退回")
    REPLIED = "replied", _("答复")
    RATED = "rated", _("评价")
    CLOSED = "closed", _("办结")
    REOPENED = "reopened", _("重新办理")
    REJECTED = "rejected", _("不予受理")
    COMMENTED = "commented", _("留言")
    ESCALATED = "escalated", _("督办升级")
    MERGED = "merged", _("合并")
    GROUPED = "grouped", _("归入共性诉求")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("未升级")
    SECTION_HEAD = 1, _("科室负责人督办")
    BUREAU_LEADER = 2, _("局领导督办")


class DeadlineState(models.TextChoices):
    """The traffic light of the ledger: computed from the active clock, never stored."""

    OK = "ok", _("正常")
    WARNING = "warning", _("临期")
    OVERDUE = "overdue", _("超期")
    STOPPED = "stopped", _("已停止计时")


class GroupStatus(models.TextChoices):
    OPEN = "open", _("待研究")
    IN_PROGRESS = "in_progress", _("推动中")
    RESOLVED = "resolved", _("已解决")
    DROPPED = "dropped", _("不予推动")
