"""Sample data for every document kind, taken from the seeds.

Used to validate an uploaded template (it must render every sample), to offer the
built-in template for download, by ``make docs-examples`` and by the tests. No database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D
from types import SimpleNamespace

from parindex.documents import generate as g
from parindex.documents.issuers import Issuer
from parindex.documents.official import Signature, unit_signature

D0 = D("0")


def commune_issuer() -> Issuer:
    return Issuer(
        issuing_body=["ỦY BAN NHÂN DÂN", "XÃ THẠCH CHÂU"],
        place="Thạch Châu",
        name="Ủy ban nhân dân xã Thạch Châu",
        short_name="UBND xã",
        office="VP",
        signature=unit_signature("ubnd", name="Nguyễn Văn Hòa", deputy=True),
    )


def yen_thuong_issuer() -> Issuer:
    return Issuer(
        issuing_body=["ỦY BAN NHÂN DÂN", "XÃ YÊN THƯỢNG"],
        place="Yên Thượng",
        name="Ủy ban nhân dân xã Yên Thượng",
        short_name="UBND xã",
        office="VP",
        signature=Signature(authority="TM. ỦY BAN NHÂN DÂN", title="CHỦ TỊCH", name="Ma Văn Thái"),
    )


def district_issuer() -> Issuer:
    return Issuer(
        issuing_body=["ỦY BAN NHÂN DÂN", "HUYỆN BẠCH THÔNG"],
        place="Bạch Thông",
        name="Ủy ban nhân dân huyện Bạch Thông",
        short_name="UBND huyện",
        office="NV",
        signature=unit_signature("ubnd", name="Nguyễn Duy Luân", deputy=True),
    )


def office_issuer() -> Issuer:
    return Issuer(
        issuing_body=["PHÒNG NỘI VỤ"],
        parent_body=["UBND HUYỆN CHỢ ĐỒN"],
        place="Chợ Đồn",
        symbol="PNV",
        name="Phòng Nội vụ huyện Chợ Đồn",
        short_name="Phòng Nội vụ",
        office="",
        signature=unit_signature("office", name="Hoàng Văn Em"),
        body_kind="office",
    )


def request_letter_data() -> g.LetterData:
    return g.LetterData(
        issuer=district_issuer(),
        number=None,
        date=dt.date(2024, 3, 12),
        date_blank_day=True,
        subject="xây dựng kế hoạch khắc phục những tồn tại, hạn chế Chỉ số CCHC của huyện năm 2023",
        recipients=[
            "Các phòng: Nội vụ, Tài chính - Kế hoạch, Tư pháp, Văn hóa - Thông tin; Văn phòng HĐND & UBND huyện",
            "UBND các xã, thị trấn",
        ],
        paragraphs=[
            "Ngày 07/3/2024, UBND tỉnh ban hành Quyết định số 338/QĐ-UBND về phê duyệt kết quả xếp hạng và phân loại "
            "Chỉ số cải cách hành chính (CCHC) năm 2023. Theo đó, huyện Bạch Thông xếp thứ 05/08 huyện, thành phố, tổng "
            "điểm đạt 82,7 điểm, xếp loại Tốt.",
            "Để duy trì những tiêu chí đã đạt được, khắc phục kịp thời những tồn tại, hạn chế góp phần cải thiện thứ hạng "
            "và nâng cao chất lượng Chỉ số CCHC năm 2024, UBND huyện yêu cầu các đơn vị (như kính gửi) thực hiện nội dung sau:",
            g.Heading("Đối với các phòng chuyên môn được giao chủ trì lĩnh vực CCHC", level=2),
            g.Bullet(
                "Đối với những tiêu chí, tiêu chí thành phần đã đạt điểm tối đa trong năm 2023: xây dựng kế hoạch duy trì theo Phụ lục I.",
                markup=False,
            ),
            g.Bullet(
                "Đối với những tiêu chí, tiêu chí thành phần không đạt điểm hoặc không đạt điểm tối đa: căn cứ biểu thống kê các tiêu chí bị trừ điểm, tự trừ điểm năm 2023 xây dựng giải pháp khắc phục theo Phụ lục II.",
                markup=False,
            ),
            g.Heading("Đối với UBND các xã, thị trấn", level=2),
            g.Bullet(
                "Rà soát các tiêu chí, tiêu chí thành phần không đạt điểm tối đa năm 2023, xây dựng kế hoạch khắc phục trong năm 2024.",
                markup=False,
            ),
        ],
        deadline=dt.datetime(2024, 3, 19, 10, 0),
        deadline_sentence="Kế hoạch của các đơn vị gửi về {issuer} (qua Phòng Nội vụ)",
        closing="Với nội dung trên, UBND huyện yêu cầu các đơn vị nghiêm túc triển khai thực hiện đúng thời gian",
        distribution=["TT HĐND huyện", "CT, PCT UBND huyện", "BCĐ CCHC huyện", "Phòng Nội vụ huyện"],
    )


def reminder_letter_data() -> g.ReminderData:
    return g.ReminderData(
        issuer=commune_issuer(),
        number=43,
        date=dt.date(2023, 11, 1),
        reference="Kế hoạch số 12/KH-UBND ngày 05/02/2023 của UBND xã về cải cách hành chính năm 2023",
        task="báo cáo kết quả khắc phục tồn tại, hạn chế trong công tác CCHC",
        deadline=dt.datetime(2023, 10, 25, 17, 0),
        new_deadline=dt.datetime(2023, 12, 5, 10, 0),
        outstanding=[
            "Bộ phận tiếp nhận và trả kết quả xã",
            "Công chức Văn hóa - Xã hội",
            "Công chức Tư pháp - Hộ tịch",
        ],
        extra_paragraphs=[
            "Tài liệu kiểm chứng kết quả khắc phục lưu tên tệp theo mẫu: Tên đơn vị-KQ khac phuc ton tai <số>-<tên ngắn gọn tài liệu>."
        ],
        distribution=["Thường trực Đảng ủy", "Chủ tịch, PCT UBND xã"],
    )


def _plan_rows():
    maintain = [
        g.PlanRow(
            "1.1",
            "Ban hành kế hoạch CCHC năm đúng thời hạn",
            D("1"),
            D("1"),
            "Ban hành kế hoạch CCHC năm 2024 trước ngày 15/12/2023",
            "Công chức Văn phòng - Thống kê",
            "Các công chức chuyên môn",
            "15/12/2023",
            area="Công tác chỉ đạo, điều hành CCHC",
        ),
        g.PlanRow(
            "1.3",
            "Thực hiện chế độ báo cáo CCHC định kỳ",
            D("1"),
            D("1"),
            "Gửi báo cáo quý, 6 tháng, năm đúng hạn, đủ nội dung",
            "Công chức Văn phòng - Thống kê",
            "",
            "Theo quy định",
            area="Công tác chỉ đạo, điều hành CCHC",
        ),
        g.PlanRow(
            "4.2",
            "Tỷ lệ hồ sơ TTHC giải quyết đúng hạn",
            D("2"),
            D("2"),
            "Theo dõi hồ sơ trên Hệ thống thông tin giải quyết TTHC, nhắc việc trước hạn",
            "Bộ phận một cửa",
            "Các công chức chuyên môn",
            "Thường xuyên",
            area="Cải cách thủ tục hành chính",
        ),
    ]
    remediate = [
        g.PlanRow(
            "1.2",
            "Mức độ hoàn thành kế hoạch CCHC năm",
            D("2"),
            D("1.5"),
            "Hoàn thành 100% nhiệm vụ của kế hoạch; rà soát khung nhiệm vụ hằng quý",
            "Công chức Văn phòng - Thống kê",
            "Các công chức chuyên môn",
            "31/12/2023",
            reason="Hoàn thành 85% nhiệm vụ (17/20)",
            area="Công tác chỉ đạo, điều hành CCHC",
        ),
        g.PlanRow(
            "1.5",
            "Xử lý các vấn đề phát hiện qua kiểm tra CCHC",
            D("1"),
            D("0.5"),
            "Khắc phục tồn tại 1, 2 trước ngày 10/12/2023, lưu tài liệu kiểm chứng theo mẫu tên tệp",
            "Công chức Văn phòng - Thống kê",
            "",
            "10/12/2023",
            reason="Còn 02 tồn tại chưa khắc phục",
            area="Công tác chỉ đạo, điều hành CCHC",
        ),
        g.PlanRow(
            "5.1",
            "Thực hiện sáng kiến, giải pháp mới trong CCHC",
            D("1"),
            D0,
            "Đăng ký ít nhất 01 sáng kiến CCHC được công nhận",
            "Công chức Văn hóa - Xã hội",
            "Các công chức chuyên môn",
            "30/11/2023",
            reason="Không có sáng kiến được công nhận",
            area="Cải cách tổ chức bộ máy",
        ),
    ]
    return maintain, remediate


def remediation_plan_data() -> g.RemediationPlanData:
    maintain, remediate = _plan_rows()
    return g.RemediationPlanData(
        issuer=yen_thuong_issuer(),
        year=2023,
        number=None,
        date=dt.date(2023, 6, 28),
        bases=[
            "Căn cứ Kế hoạch số 160/KH-UBND ngày 20 tháng 6 năm 2023 của Ủy ban nhân dân huyện Chợ Đồn về việc khắc phục "
            "những tồn tại, hạn chế Chỉ số cải cách hành chính năm 2022, nâng cao Chỉ số CCHC năm 2023;"
        ],
        maintain=maintain,
        remediate=remediate,
        distribution=[
            "Phòng Nội vụ (b/c)",
            "TT Đảng ủy",
            "TT HĐND xã",
            "Ủy ban MTTQ Việt Nam xã (p/h)",
            "Các công chức chuyên môn (t/h)",
        ],
    )


def remediation_results_data() -> g.RemediationResultsData:
    return g.RemediationResultsData(
        issuer=commune_issuer(),
        year=2023,
        number=51,
        date=dt.date(2023, 12, 4),
        source="Thông báo số 215/TB-PNV ngày 18/9/2023 của Phòng Nội vụ huyện về kết luận kiểm tra công tác CCHC",
        recipients=["Phòng Nội vụ huyện"],
        items=[
            g.ShortcomingResult(
                1,
                "Chưa có sáng kiến CCHC được công nhận",
                "Đăng ký và triển khai sáng kiến số hóa hồ sơ hộ tịch",
                "Sáng kiến được công nhận tại Quyết định số 87/QĐ-UBND",
                True,
                ["Xa Thach Chau-KQ khac phuc ton tai 1-QD cong nhan sang kien.pdf"],
                "Văn phòng",
            ),
            g.ShortcomingResult(
                2,
                "Niêm yết TTHC tại Bộ phận một cửa chưa đầy đủ",
                "Rà soát, niêm yết lại 100% TTHC",
                "Đã niêm yết 112/112 TTHC",
                True,
                ["Xa Thach Chau-KQ khac phuc ton tai 2-anh niem yet TTHC.jpg"],
                "Bộ phận một cửa",
            ),
            g.ShortcomingResult(
                3,
                "Tỷ lệ hồ sơ trực tuyến thấp",
                "Hướng dẫn người dân nộp hồ sơ trực tuyến",
                "Đạt 35% (chỉ tiêu 50%)",
                False,
                [],
                "Bộ phận một cửa",
            ),
        ],
        remarks=["Tồn tại 3 chưa khắc phục xong do người dân còn quen nộp hồ sơ trực tiếp."],
        proposals=["Đề nghị Phòng Nội vụ huyện tiếp tục hướng dẫn nghiệp vụ về dịch vụ công trực tuyến."],
        distribution=["Chủ tịch, PCT UBND xã"],
    )


def self_assessment_data() -> g.SelfAssessmentData:
    areas = [
        g.AreaScore("1", "Công tác chỉ đạo, điều hành CCHC", D("10"), D("9.5")),
        g.AreaScore("2", "Cải cách thể chế", D("8"), D("7.25")),
        g.AreaScore("3", "Cải cách thủ tục hành chính", D("14"), D("13")),
        g.AreaScore("4", "Cải cách tổ chức bộ máy hành chính nhà nước", D("6"), D("6")),
        g.AreaScore("5", "Cải cách chế độ công vụ", D("12"), D("10.5")),
        g.AreaScore("6", "Cải cách tài chính công", D("6"), D("5.5")),
        g.AreaScore("7", "Xây dựng và phát triển chính quyền điện tử, chính quyền số", D("12"), D("9.75")),
        g.AreaScore(
            "8", "Tác động của CCHC đến người dân, tổ chức", D("32"), D("26.5"), "Từ kết quả điều tra XHH"
        ),
    ]
    return g.SelfAssessmentData(
        issuer=commune_issuer(),
        year=2023,
        number=5,
        date=dt.date(2024, 1, 8),
        areas=areas,
        framework_reference="Quyết định số 1325/QĐ-UBND ngày 23/6/2023 của UBND tỉnh Quảng Trị",
        appraiser="Hội đồng thẩm định Chỉ số CCHC huyện",
        recipients=["Hội đồng thẩm định Chỉ số CCHC huyện"],
        evidence_count=64,
        distribution=["Phòng Nội vụ huyện"],
    )


def results_annex_data() -> g.ResultsAnnexData:
    def row(name, points, rank, band, of=8):
        return g.RankingRow(
            name, D(points), D("100"), D(points), rank, of, band, self_points=D(points) + D("3.25")
        )

    return g.ResultsAnnexData(
        year=2023,
        decision_number="338/QĐ-UBND",
        decision_date=dt.date(2024, 3, 7),
        decision_issuer="Ủy ban nhân dân tỉnh Bắc Kạn",
        groups=[
            g.RankingGroup(
                "UBND các huyện, thành phố",
                [
                    row("UBND thành phố Bắc Kạn", "88.41", 1, "Tốt"),
                    row("UBND huyện Chợ Mới", "86.05", 2, "Tốt"),
                    row("UBND huyện Ba Bể", "84.9", 3, "Tốt"),
                    row("UBND huyện Na Rì", "84.9", 3, "Tốt"),
                    row("UBND huyện Bạch Thông", "82.7", 5, "Tốt"),
                    row("UBND huyện Chợ Đồn", "79.12", 6, "Khá"),
                    row("UBND huyện Ngân Sơn", "77.5", 7, "Khá"),
                    row("UBND huyện Pác Nặm", "71.3", 8, "Khá"),
                ],
            ),
            g.RankingGroup(
                "Các sở, ban, ngành",
                [
                    row("Sở Nội vụ", "91.2", 1, "Xuất sắc", 3),
                    row("Sở Tư pháp", "87.75", 2, "Tốt", 3),
                    row("Sở Tài chính", "85", 3, "Tốt", 3),
                ],
            ),
        ],
    )


def deduction_data() -> g.DeductionStatsData:
    rows = [
        g.DeductionRow(
            "1.2",
            "Mức độ hoàn thành kế hoạch CCHC năm",
            D("2"),
            D("2"),
            D("1.5"),
            "Hoàn thành 85% nhiệm vụ",
            "Phòng Nội vụ",
            "Công tác chỉ đạo, điều hành CCHC",
        ),
        g.DeductionRow(
            "1.4",
            "Công tác kiểm tra CCHC",
            D("1"),
            D("1"),
            D("1"),
            "",
            "Phòng Nội vụ",
            "Công tác chỉ đạo, điều hành CCHC",
        ),
        g.DeductionRow(
            "2.3",
            "Xử lý văn bản QPPL sau kiểm tra",
            D("1"),
            D("0.5"),
            D("0.5"),
            "Chưa xử lý 01 văn bản",
            "Phòng Tư pháp",
            "Cải cách thể chế",
        ),
        g.DeductionRow(
            "3.4",
            "Tỷ lệ hồ sơ trực tuyến toàn trình",
            D("2"),
            D("1.5"),
            D("0.75"),
            "Đạt 28%, chưa đủ chỉ tiêu",
            "Văn phòng HĐND & UBND",
            "Cải cách thủ tục hành chính",
        ),
        g.DeductionRow(
            "5.2",
            "Tuyển dụng công chức đúng quy định",
            D("1.5"),
            D("1.5"),
            D("1"),
            "Chậm báo cáo kết quả",
            "Phòng Nội vụ",
            "Cải cách chế độ công vụ",
        ),
    ]
    return g.DeductionStatsData(
        subject_name="huyện Bạch Thông",
        year=2023,
        rows=rows,
        attached_to="(Kèm theo Công văn số …/UBND-NV ngày … tháng 3 năm 2024 của UBND huyện Bạch Thông)",
    )


def sample_framework():
    def c(code, title, max_points, depth, leaf, rule="", evidence=""):
        return SimpleNamespace(
            code=code,
            title=title,
            max_points=D(max_points),
            depth=depth,
            is_leaf=leaf,
            rule_text=rule,
            evidence_text=evidence,
        )

    criteria = [
        c("1", "Công tác chỉ đạo, điều hành CCHC", "10", 1, False),
        c("1.1", "Kế hoạch CCHC năm", "3", 2, False),
        c(
            "1.1.1",
            "Ban hành kế hoạch đúng thời hạn",
            "1",
            3,
            True,
            "Ban hành trước ngày 15/12 năm trước: 1 điểm; sau thời hạn: 0 điểm",
            "Kế hoạch CCHC năm",
        ),
        c(
            "1.1.2",
            "Mức độ hoàn thành kế hoạch",
            "2",
            3,
            True,
            "Hoàn thành 100%: 2 điểm; từ 80% đến dưới 100%: 1 điểm; dưới 80%: 0 điểm",
            "Báo cáo CCHC năm; bảng khung nhiệm vụ",
        ),
        c(
            "1.2",
            "Báo cáo CCHC định kỳ",
            "2",
            2,
            True,
            "Đủ, đúng hạn: 2 điểm; mỗi báo cáo chậm trừ 0,5 điểm",
            "Các báo cáo quý, 6 tháng, năm",
        ),
        c(
            "1.3",
            "Xử lý các vấn đề phát hiện qua kiểm tra",
            "5",
            2,
            True,
            "Khắc phục 100%: 5 điểm; tỷ lệ dưới 100%: điểm = 5 × tỷ lệ",
            "Báo cáo kết quả khắc phục, tài liệu kiểm chứng",
        ),
        c("2", "Cải cách thủ tục hành chính", "8", 1, False),
        c(
            "2.1",
            "Công khai TTHC",
            "3",
            2,
            True,
            "Công khai đầy đủ: 3 điểm; không đầy đủ: 0 điểm",
            "Ảnh chụp niêm yết; đường dẫn cổng thông tin",
        ),
        c(
            "2.2",
            "Tỷ lệ hồ sơ giải quyết đúng hạn",
            "5",
            2,
            True,
            "Điểm = 5 × tỷ lệ hồ sơ đúng hạn",
            "Số liệu Hệ thống thông tin giải quyết TTHC",
        ),
    ]
    framework = SimpleNamespace(
        name="UBND cấp xã giai đoạn 2023 - 2025",
        decision_number="1325/QĐ-UBND",
        decision_date=dt.date(2023, 6, 23),
        issuing_body="Ủy ban nhân dân tỉnh Quảng Trị",
        max_total=D("18"),
    )
    return framework, criteria


def framework_sample(*, template: bytes | None = None) -> bytes:
    framework, criteria = sample_framework()
    return g.framework_document(framework, criteria, template=template)


SAMPLES: dict[str, Callable[..., bytes]] = {
    g.REQUEST_LETTER: lambda template=b"": g.request_letter(request_letter_data(), template=template),
    g.REMINDER_LETTER: lambda template=b"": g.reminder_letter(reminder_letter_data(), template=template),
    g.REMEDIATION_PLAN: lambda template=b"": g.remediation_plan(remediation_plan_data(), template=template),
    g.REMEDIATION_RESULTS_REPORT: lambda template=b"": g.remediation_results_report(
        remediation_results_data(), template=template
    ),
    g.SELF_ASSESSMENT_SUMMARY: lambda template=b"": g.self_assessment_summary(
        self_assessment_data(), template=template
    ),
    g.RESULTS_DECISION_ANNEX: lambda template=b"": g.results_decision_annex(
        results_annex_data(), template=template
    ),
    g.DEDUCTED_POINTS_STATISTICS: lambda template=b"": g.deducted_points_statistics(
        deduction_data(), template=template
    ),
    g.FRAMEWORK: lambda template=b"": framework_sample(template=template or None),
}


def render_sample(kind: str, *, template: bytes | None = None) -> bytes:
    """The sample of ``kind`` rendered with ``template`` (None/b"" = built-in)."""
    return SAMPLES[kind](template=template or b"")
