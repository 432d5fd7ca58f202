import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { buildReport, reportFileName, type ReportInput } from '../build-report'

// "Download report (PDF)": the report is built here in the browser and saved, with no server round trip.
export function DownloadReportButton({ makeInput }: { makeInput: () => Promise<ReportInput> }) {
  const { t } = useTranslation()
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState('')

  const handleClick = async () => {
    setBusy(true)
    setProblem('')
    try {
      const input = await makeInput()
      buildReport(input).save(reportFileName(input.date))
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="report">
      <button type="button" className="button button--secondary" onClick={() => void handleClick()} disabled={busy} aria-busy={busy}>
        {t('report.download')}
      </button>
      <p className="report__note">{t('report.note')}</p>
      {problem && (
        <p className="notice notice--error" role="alert">
          {problem}
        </p>
      )}
    </div>
  )
}
